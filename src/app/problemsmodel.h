#pragma once

#include "db/runjournal.h"

#include <QAbstractTableModel>
#include <QList>
#include <QUrl>

namespace pds {

// The skipped, merged, failed and deleted records of the run journal, one per row, with the
// link to each record in Pipedrive's web app.
class ProblemsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { When, EntityColumn, PipedriveId, Kind, Reason, Detail, Link, ColumnCount };
    static constexpr int UrlRole = Qt::UserRole + 1;

    explicit ProblemsModel(QObject *parent = nullptr);

    void setProblems(const QList<Problem> &problems);
    void setCompanyDomain(const QString &domain);
    const QList<Problem> &problems() const { return m_problems; }
    QUrl link(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // RFC 4180 CSV of `problems` with a header line. Cells that a spreadsheet would run as a
    // formula (=, +, -, @ first) get a leading apostrophe.
    static QByteArray toCsv(const QList<Problem> &problems, const QString &companyDomain);

private:
    QList<Problem> m_problems;
    QString m_domain;
};

} // namespace pds
