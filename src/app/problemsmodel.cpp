#include "problemsmodel.h"

#include "pipedrivelinks.h"
#include "usertext.h"

#include <QApplication>
#include <QFont>
#include <QLocale>
#include <QPalette>

namespace pds {

ProblemsModel::ProblemsModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void ProblemsModel::setProblems(const QList<Problem> &problems)
{
    beginResetModel();
    m_problems = problems;
    endResetModel();
}

void ProblemsModel::setCompanyDomain(const QString &domain)
{
    if (domain == m_domain)
        return;
    m_domain = domain;
    if (!m_problems.isEmpty())
        emit dataChanged(index(0, Link), index(rowCount() - 1, Link));
}

QUrl ProblemsModel::link(int row) const
{
    if (row < 0 || row >= m_problems.size())
        return {};
    const Problem &problem = m_problems.at(row);
    return pipedriveWebLink(m_domain, problem.entity, problem.pipedriveId.value_or(0));
}

int ProblemsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_problems.size());
}

int ProblemsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProblemsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_problems.size())
        return {};
    const Problem &problem = m_problems.at(index.row());
    if (role == UrlRole)
        return link(index.row());
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case When:
            return QLocale().toString(problem.createdAt.toLocalTime(), QLocale::ShortFormat);
        case EntityColumn: {
            const auto entity = entityFromName(problem.entity);
            return entity ? UserText::entity(*entity) : problem.entity;
        }
        case PipedriveId:
            return problem.pipedriveId ? QVariant(*problem.pipedriveId) : QVariant();
        case Kind:
            return UserText::problemKind(Problem::kindName(problem.kind));
        case Reason:
            return problem.reason;
        case Detail:
            return problem.detail;
        case Link:
            return link(index.row()).toString();
        }
    }
    if (index.column() == Link && role == Qt::ForegroundRole)
        return QApplication::palette().color(QPalette::Link);
    if (index.column() == Link && role == Qt::FontRole) {
        QFont font;
        font.setUnderline(true);
        return font;
    }
    if (index.column() == PipedriveId && role == Qt::TextAlignmentRole)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ProblemsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case When:
        return tr("When");
    case EntityColumn:
        return tr("Entity");
    case PipedriveId:
        return tr("Pipedrive ID");
    case Kind:
        return tr("Kind");
    case Reason:
        return tr("Reason");
    case Detail:
        return tr("Detail");
    case Link:
        return tr("Open in Pipedrive");
    }
    return {};
}

namespace {

QByteArray csvCell(QString text)
{
    if (!text.isEmpty() && QStringLiteral("=+-@").contains(text.front()))
        text.prepend(QLatin1Char('\''));
    if (text.contains(QLatin1Char('"')) || text.contains(QLatin1Char(','))
        || text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\r'))) {
        text.replace(QLatin1String("\""), QLatin1String("\"\""));
        text = QLatin1Char('"') + text + QLatin1Char('"');
    }
    return text.toUtf8();
}

} // namespace

QByteArray ProblemsModel::toCsv(const QList<Problem> &problems, const QString &companyDomain)
{
    // Column names stay English and stable: scripts read them.
    QByteArray csv = "time,run_id,entity,pipedrive_id,kind,reason,detail,link\r\n";
    for (const Problem &problem : problems) {
        const QList<QByteArray> cells {
            csvCell(problem.createdAt.toUTC().toString(Qt::ISODate)),
            QByteArray::number(problem.runId),
            csvCell(problem.entity),
            problem.pipedriveId ? QByteArray::number(*problem.pipedriveId) : QByteArray(),
            csvCell(Problem::kindName(problem.kind)),
            csvCell(problem.reason),
            csvCell(problem.detail),
            csvCell(pipedriveWebLink(companyDomain, problem.entity, problem.pipedriveId.value_or(0))
                        .toString()),
        };
        csv += cells.join(',');
        csv += "\r\n";
    }
    return csv;
}

} // namespace pds
