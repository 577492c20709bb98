#include "problemsview.h"
#include "ui_problemsview.h"

#include "problemsmodel.h"
#include "usertext.h"

#include <QHeaderView>
#include <QLocale>

namespace pds {

ProblemsView::ProblemsView(QWidget *parent)
    : QWidget(parent)
    , m_ui(std::make_unique<Ui::ProblemsView>())
    , m_model(new ProblemsModel(this))
{
    m_ui->setupUi(this);
    m_ui->refreshProblemsButton->setIcon(QIcon(QStringLiteral(":/icons/refresh.svg")));
    m_ui->openInPipedriveButton->setIcon(QIcon(QStringLiteral(":/icons/open-link.svg")));
    m_ui->exportCsvButton->setIcon(QIcon(QStringLiteral(":/icons/export.svg")));

    m_ui->entityFilterCombo->addItem(tr("All"), QString());
    for (Entity entity : allEntities())
        m_ui->entityFilterCombo->addItem(UserText::entity(entity), entityName(entity));
    m_ui->kindFilterCombo->addItem(tr("All"), QString());
    for (Problem::Kind kind : { Problem::Kind::Skipped, Problem::Kind::Failed,
             Problem::Kind::Merged, Problem::Kind::Deleted, Problem::Kind::Warning }) {
        const QString name = Problem::kindName(kind);
        m_ui->kindFilterCombo->addItem(UserText::problemKind(name), name);
    }

    QTableView *table = m_ui->problemsTable;
    table->setModel(m_model);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setColumnWidth(ProblemsModel::Reason, 240);
    table->setColumnWidth(ProblemsModel::Detail, 220);

    connect(m_ui->entityFilterCombo, &QComboBox::currentIndexChanged, this,
        &ProblemsView::refreshRequested);
    connect(m_ui->kindFilterCombo, &QComboBox::currentIndexChanged, this,
        &ProblemsView::refreshRequested);
    connect(
        m_ui->refreshProblemsButton, &QPushButton::clicked, this, &ProblemsView::refreshRequested);
    connect(m_ui->exportCsvButton, &QPushButton::clicked, this, &ProblemsView::exportRequested);
    connect(table, &QTableView::activated, this,
        [this](const QModelIndex &index) { activateRow(index.row()); });
    // The link column looks like a link: a single click follows it.
    connect(table, &QTableView::clicked, this, [this](const QModelIndex &index) {
        if (index.column() == ProblemsModel::Link)
            activateRow(index.row());
    });
    connect(m_ui->openInPipedriveButton, &QPushButton::clicked, this,
        [this] { activateRow(m_ui->problemsTable->currentIndex().row()); });
    connect(table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        &ProblemsView::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ProblemsView::updateButtons);
    updateButtons();
}

ProblemsView::~ProblemsView() = default;

void ProblemsView::setCompanyDomain(const QString &domain)
{
    m_model->setCompanyDomain(domain);
    updateButtons();
}

ProblemFilter ProblemsView::filter() const
{
    ProblemFilter filter;
    filter.entity = m_ui->entityFilterCombo->currentData().toString();
    const QString kind = m_ui->kindFilterCombo->currentData().toString();
    if (!kind.isEmpty())
        filter.kind = Problem::kindFromName(kind);
    filter.limit = RowLimit;
    return filter;
}

void ProblemsView::showSnapshot(const tasks::ProblemsSnapshot &snapshot)
{
    m_model->setProblems(snapshot.problems);
    if (snapshot.error.isError())
        m_ui->problemsSummaryLabel->setText(UserText::database(snapshot.error));
    else if (snapshot.notSyncedYet)
        m_ui->problemsSummaryLabel->setText(tr("No sync has run on this database yet."));
    else if (snapshot.problems.isEmpty())
        m_ui->problemsSummaryLabel->setText(tr("No problems: every record was imported."));
    else if (snapshot.problems.size() >= RowLimit)
        m_ui->problemsSummaryLabel->setText(
            tr("The newest %1 problems; export to CSV for all of them.")
                .arg(QLocale().toString(snapshot.problems.size())));
    else
        m_ui->problemsSummaryLabel->setText(
            tr("%n record(s) not imported as such. Select one and press Enter to open it in "
               "Pipedrive.",
                nullptr, int(snapshot.problems.size())));
    // Fit the short columns to what they hold now; reason and detail keep the user's widths.
    for (int column : { ProblemsModel::When, ProblemsModel::EntityColumn,
             ProblemsModel::PipedriveId, ProblemsModel::Kind })
        m_ui->problemsTable->resizeColumnToContents(column);
    if (m_model->rowCount() > 0 && !m_ui->problemsTable->currentIndex().isValid())
        m_ui->problemsTable->setCurrentIndex(m_model->index(0, 0));
    updateButtons();
}

void ProblemsView::activateRow(int row)
{
    const QUrl url = m_model->link(row);
    if (url.isValid())
        emit linkActivated(url);
}

void ProblemsView::updateButtons()
{
    m_ui->openInPipedriveButton->setEnabled(
        m_model->link(m_ui->problemsTable->currentIndex().row()).isValid());
    m_ui->exportCsvButton->setEnabled(m_model->rowCount() > 0);
}

} // namespace pds
