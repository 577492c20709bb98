#pragma once

#include "config/fieldcatalog.h"
#include "config/syncconfig.h"

#include <QHash>
#include <QObject>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QWidget;

namespace pds {

// The settings' pages that fit a company's Pipedrive to the CRM (SPEC §6): Field map, Stage map
// and Filters. They show a SyncConfig and edit it, offering what a PipedriveCatalog lists; before
// one is loaded they show the names the configuration kept. Fields appear by name, options by
// label, stages and filters by name: never a hash or an id.
class FitPages : public QObject
{
    Q_OBJECT
public:
    // Adds the three pages to `tabs`, after its current ones.
    explicit FitPages(QTabWidget *tabs, QObject *parent = nullptr);

    void setConfig(const SyncConfig &config);
    // Writes the maps, filters and opportunity type as edited into `config`, with the field
    // definitions they refer to.
    void applyTo(SyncConfig &config) const;

    void setCatalog(const PipedriveCatalog &catalog);
    bool hasCatalog() const { return m_hasCatalog; }
    // A line under each page's load button ("Reading from Pipedrive…", an error); busy disables
    // the buttons.
    void setStatus(const QString &text, bool busy);
    bool isFitPage(const QWidget *page) const;

    // The label of a field map target ("Accounts: phone").
    static QString targetLabel(const QString &targetId);

signals:
    void loadRequested();

private:
    struct Page
    {
        QWidget *widget = nullptr;
        QPushButton *load = nullptr;
        QLabel *status = nullptr;
    };

    Page makePage(
        QTabWidget *tabs, const QString &title, const QString &name, const QString &intro);
    QWidget *buildFieldPage(QTabWidget *tabs);
    QWidget *buildStagePage(QTabWidget *tabs);
    QWidget *buildFilterPage(QTabWidget *tabs);

    QList<mapping::CustomFieldDef> fieldsOf(mapping::FieldSource source) const;
    QHash<QString, mapping::CustomFieldDef> fieldHash(mapping::FieldSource source) const;
    QString fieldName(mapping::FieldSource source, const QString &key) const;
    // The key a target's combo names; nullopt for "the default".
    std::optional<QString> chosenKey(int row) const;
    QString effectiveKey(int row) const;

    void fillFieldMap();
    void updatePreviews();
    void updateCustomFields();
    void fillStages();
    void resetStages();
    void fillFilters();

    SyncConfig m_config;
    PipedriveCatalog m_catalog;
    bool m_hasCatalog = false;
    QList<Page> m_pages;

    QTableWidget *m_fieldTable = nullptr;
    QList<QComboBox *> m_fieldCombos; // one per mapping::fieldTargets() entry
    QSpinBox *m_sampleSpin = nullptr;
    QLabel *m_sampleLabel = nullptr;
    QComboBox *m_typeCombo = nullptr;
    QTableWidget *m_customTable = nullptr;

    struct StageRow
    {
        qint64 id = 0;
        QString pipeline;
        QString name;
        QComboBox *combo = nullptr;
    };
    QTableWidget *m_stageTable = nullptr;
    QList<StageRow> m_stageRows;

    QHash<QString, QComboBox *> m_filterCombos; // entity name -> combo
};

} // namespace pds
