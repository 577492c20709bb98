#include "statsview.h"
#include "ui_statsview.h"

#include "usertext.h"

#include <QHeaderView>
#include <QLocale>

namespace pds {

namespace {

enum EntityColumn {
    EntityName,
    CrmTables,
    CrmRows,
    MappedRows,
    LastCreated,
    LastUpdated,
    LastSkipped,
    LastFailed,
    LastDeleted,
    LastOutcome,
    LastSync,
    EntityColumnCount
};

enum HistoryColumn {
    Started,
    HistoryEntity,
    Mode,
    Outcome,
    Fetched,
    Created,
    Updated,
    Unchanged,
    Merged,
    Skipped,
    Failed,
    Deleted,
    Duration,
    Message,
    HistoryColumnCount
};

QTableWidgetItem *textItem(const QString &text)
{
    auto *item = new QTableWidgetItem(text);
    item->setToolTip(text);
    return item;
}

QTableWidgetItem *numberItem(qint64 value)
{
    auto *item = new QTableWidgetItem(QLocale().toString(value));
    item->setData(Qt::UserRole, value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QString when(const QDateTime &time)
{
    return time.isValid() ? QLocale().toString(time.toLocalTime(), QLocale::ShortFormat)
                          : QString();
}

QString duration(const RunRecord &run)
{
    if (!run.startedAt.isValid() || !run.finishedAt.isValid())
        return {};
    const qint64 seconds = run.startedAt.secsTo(run.finishedAt);
    if (seconds < 60)
        return StatsView::tr("%n s", nullptr, int(seconds));
    return StatsView::tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
}

} // namespace

StatsView::StatsView(QWidget *parent)
    : QWidget(parent)
    , m_ui(std::make_unique<Ui::StatsView>())
{
    m_ui->setupUi(this);
    m_ui->refreshStatsButton->setIcon(QIcon(QStringLiteral(":/icons/refresh.svg")));
    m_ui->clearEntityButton->setIcon(QIcon(QStringLiteral(":/icons/clear.svg")));
    m_ui->clearAllButton->setIcon(QIcon(QStringLiteral(":/icons/clear.svg")));

    QTableWidget *entities = m_ui->entityTable;
    entities->setColumnCount(EntityColumnCount);
    entities->setHorizontalHeaderLabels({ tr("Entity"), tr("CRM tables"), tr("CRM rows"),
        tr("Mapped rows"), tr("Created"), tr("Updated"), tr("Skipped"), tr("Failed"), tr("Deleted"),
        tr("Last result"), tr("Last sync") });
    entities->verticalHeader()->hide();
    entities->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    entities->horizontalHeader()->setStretchLastSection(true);
    const QList<Entity> all = allEntities();
    entities->setRowCount(int(all.size()));
    for (int row = 0; row < all.size(); ++row) {
        auto *name = textItem(UserText::entity(all.at(row)));
        name->setData(Qt::UserRole, int(all.at(row)));
        entities->setItem(row, EntityName, name);
        entities->setItem(
            row, CrmTables, textItem(crmTablesFor(all.at(row)).join(QLatin1String(" + "))));
    }

    QTableWidget *history = m_ui->historyTable;
    history->setColumnCount(HistoryColumnCount);
    history->setHorizontalHeaderLabels({ tr("Started"), tr("Entity"), tr("Mode"), tr("Result"),
        tr("Fetched"), tr("Created"), tr("Updated"), tr("Unchanged"), tr("Merged"), tr("Skipped"),
        tr("Failed"), tr("Deleted"), tr("Duration"), tr("Message") });
    history->verticalHeader()->hide();
    history->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    history->horizontalHeader()->setStretchLastSection(true);

    connect(m_ui->refreshStatsButton, &QPushButton::clicked, this, &StatsView::refreshRequested);
    connect(m_ui->clearAllButton, &QPushButton::clicked, this,
        [this] { emit clearMappingsRequested(allEntities()); });
    connect(m_ui->clearEntityButton, &QPushButton::clicked, this, [this] {
        if (const auto entity = selectedEntity())
            emit clearMappingsRequested({ *entity });
    });
    connect(entities, &QTableWidget::itemSelectionChanged, this, &StatsView::updateButtons);
    updateButtons();
}

StatsView::~StatsView() = default;

std::optional<Entity> StatsView::selectedEntity() const
{
    const QList<QTableWidgetItem *> selected = m_ui->entityTable->selectedItems();
    if (selected.isEmpty())
        return std::nullopt;
    const QTableWidgetItem *name = m_ui->entityTable->item(selected.first()->row(), EntityName);
    return name ? std::optional<Entity>(Entity(name->data(Qt::UserRole).toInt())) : std::nullopt;
}

void StatsView::setActionsEnabled(bool enabled)
{
    m_actionsEnabled = enabled;
    updateButtons();
}

void StatsView::updateButtons()
{
    m_ui->clearAllButton->setEnabled(m_actionsEnabled && m_hasData);
    m_ui->clearEntityButton->setEnabled(m_actionsEnabled && m_hasData && selectedEntity());
}

void StatsView::showSnapshot(const tasks::StatsSnapshot &snapshot)
{
    if (snapshot.error.isError())
        m_ui->statsSummaryLabel->setText(UserText::database(snapshot.error));
    else if (snapshot.notSyncedYet)
        m_ui->statsSummaryLabel->setText(
            tr("No sync has run on this database yet: the counts appear after the first one."));
    else
        m_ui->statsSummaryLabel->setText(
            tr("Counts as of %1.")
                .arg(QLocale().toString(QTime::currentTime(), QLocale::ShortFormat)));
    m_hasData = snapshot.error.isOk() && !snapshot.notSyncedYet;

    QTableWidget *entities = m_ui->entityTable;
    for (int row = 0; row < entities->rowCount(); ++row) {
        for (int column = CrmRows; column < EntityColumnCount; ++column)
            entities->setItem(row, column, nullptr);
    }
    for (const EntityStats &stats : snapshot.entities) {
        const int row = int(allEntities().indexOf(stats.entity));
        if (row < 0)
            continue;
        entities->setItem(row, CrmRows, numberItem(stats.crmRows));
        entities->setItem(row, MappedRows, numberItem(stats.mappedRows));
        if (!stats.lastRun)
            continue;
        const RunRecord &run = *stats.lastRun;
        entities->setItem(row, LastCreated, numberItem(run.counts.created));
        entities->setItem(row, LastUpdated, numberItem(run.counts.updated));
        entities->setItem(row, LastSkipped, numberItem(run.counts.skipped));
        entities->setItem(row, LastFailed, numberItem(run.counts.failed));
        entities->setItem(row, LastDeleted, numberItem(run.counts.deleted));
        QString outcome = UserText::runOutcome(run.outcome);
        if (run.dryRun)
            outcome = tr("%1 (dry run)").arg(outcome);
        entities->setItem(row, LastOutcome, textItem(outcome));
        entities->setItem(row, LastSync,
            textItem(when(run.finishedAt.isValid() ? run.finishedAt : run.startedAt)));
    }

    QTableWidget *history = m_ui->historyTable;
    history->setRowCount(int(snapshot.runs.size()));
    for (int row = 0; row < snapshot.runs.size(); ++row) {
        const RunRecord &run = snapshot.runs.at(row);
        const auto entity = entityFromName(run.entity);
        history->setItem(row, Started, textItem(when(run.startedAt)));
        history->setItem(
            row, HistoryEntity, textItem(entity ? UserText::entity(*entity) : run.entity));
        QString mode = run.mode == QLatin1String("full") ? tr("full")
            : run.mode == QLatin1String("undo")          ? tr("undo")
                                                         : tr("incremental");
        if (run.dryRun)
            mode = tr("%1, dry run").arg(mode);
        history->setItem(row, Mode, textItem(mode));
        history->setItem(row, Outcome, textItem(UserText::runOutcome(run.outcome)));
        history->setItem(row, Fetched, numberItem(run.counts.fetched));
        history->setItem(row, Created, numberItem(run.counts.created));
        history->setItem(row, Updated, numberItem(run.counts.updated));
        history->setItem(row, Unchanged, numberItem(run.counts.unchanged));
        history->setItem(row, Merged, numberItem(run.counts.merged));
        history->setItem(row, Skipped, numberItem(run.counts.skipped));
        history->setItem(row, Failed, numberItem(run.counts.failed));
        history->setItem(row, Deleted, numberItem(run.counts.deleted));
        history->setItem(row, Duration, textItem(duration(run)));
        history->setItem(row, Message, textItem(run.message));
    }
    updateButtons();
}

} // namespace pds
