#pragma once

#include "config/syncconfig.h"
#include "db/databaseconfig.h"

#include <QDialog>
#include <QSet>
#include <memory>

namespace Ui {
class SettingsDialog;
}

namespace pds {

class ConnectionTester;
class DatabaseWorker;
class FieldCatalog;
class FitPages;
struct PipedriveCatalog;
class Settings;
class TokenStore;
struct Interaction;

// The settings (SPEC §6): Pipedrive domain and token, the database, the sync options. The token
// and the PostgreSQL password go to the TokenStore (the keychain), everything else to Settings.
// Network and database checks run elsewhere (ConnectionTester, DatabaseWorker); the dialog only
// shows their answers. Open it with open(), never exec().
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    SettingsDialog(Settings &settings, TokenStore &store, ConnectionTester &tester,
        DatabaseWorker &worker, const Interaction &interaction, QWidget *parent = nullptr);
    ~SettingsDialog() override;

    // The database the fields describe, with the password typed.
    DatabaseConfig databaseConfig() const;
    // The company fit as the pages show it: maps, filters, placeholders, owner, deletion policy.
    SyncConfig syncConfig() const;

public slots:
    void testConnection();
    void testDatabase();
    // Writes the secrets, then the settings; accepts once the keychain has confirmed.
    void save();
    // Reads fields, stages, filters and sample records from Pipedrive for the fit pages.
    void loadCatalog();
    // Asks for a file and writes syncConfig() there as JSON / reads one into the pages (saved
    // only with Save).
    void exportConfig();
    void importConfig();

signals:
    void secretsLoaded(); // the keychain's answers for the saved token and password are in
    void connectionTested(bool ok);
    void databaseTested(bool ok);
    void saved();
    void saveFailed(const QString &message);
    void catalogLoaded(bool ok);
    void configExported(const QString &path, const QString &error);
    void configImported(const QString &path, const QStringList &errors);

private:
    void load();
    void loadOwners(const DatabaseConfig &config);
    void onSecretRead(const QString &key, const QString &secret, const QString &error);
    void onSecretStored(const QString &key, const QString &error);
    void finishSave();
    void failSave(const QString &message, QWidget *focus = nullptr);
    void setBusy(bool busy);
    void chooseSqliteFile();
    void updateDatabaseKind();
    void updateScheduleFields();
    void showConfig(const SyncConfig &config);
    QString tokenForCheck() const;

    std::unique_ptr<Ui::SettingsDialog> m_ui;
    Settings &m_settings;
    TokenStore &m_store;
    ConnectionTester &m_tester;
    DatabaseWorker &m_worker;
    const Interaction &m_interaction;
    QString m_tokenKey; // the saved domain's token entry
    QString m_passwordKey; // the saved PostgreSQL database's password entry
    QSet<QString> m_pendingReads;
    QSet<QString> m_pendingWrites;
    bool m_saving = false;
    qint64 m_savedOwner = 0;
    FitPages *m_fit = nullptr;
    FieldCatalog *m_catalog = nullptr;
};

} // namespace pds
