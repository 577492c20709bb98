#pragma once

#include "databasetasks.h"

#include <QWidget>
#include <memory>

namespace Ui {
class StatsView;
}

namespace pds {

// Counts per entity (CRM rows, mapped rows, the last run's results) and the run history. Shows
// snapshots read elsewhere (in the database worker); asks for refreshes and clears by signal.
class StatsView : public QWidget
{
    Q_OBJECT
public:
    explicit StatsView(QWidget *parent = nullptr);
    ~StatsView() override;

    void showSnapshot(const tasks::StatsSnapshot &snapshot);
    void setActionsEnabled(bool enabled); // off while a sync or a clear runs
    // The entity of the selected row of the counts table, if any.
    std::optional<Entity> selectedEntity() const;

signals:
    void refreshRequested();
    void clearMappingsRequested(const QList<pds::Entity> &entities);

private:
    void updateButtons();

    std::unique_ptr<Ui::StatsView> m_ui;
    bool m_actionsEnabled = true;
    bool m_hasData = false;
};

} // namespace pds
