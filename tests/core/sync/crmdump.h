#pragma once

#include "db/database.h"

#include <QDateTime>
#include <QStringList>

namespace pds::test {

// Dumps of the CRM tables and pipedrive_mappings for comparing two databases that were filled
// by different runs (one uninterrupted, one killed, cancelled or failed and resumed).
//
// Two values legitimately differ between such runs and are normalised:
//  - times the sync takes from its own clock (mapping rows, note associations, a lead promoted
//    by a deal, fallbacks for records without times): any time after `since` reads "<now>";
//  - bcrypt hashes of the users' random passwords (random salt): a valid hash reads "<bcrypt>".
struct DumpOptions
{
    QDateTime since; // times from here on are the sync's own clock
    // Row ids replaced by the Pipedrive identity of the row ("Contact#123", the lowest id mapped
    // to it), foreign keys likewise, lines sorted. For PostgreSQL: its sequences hand out ids
    // outside transactions, so a rolled-back page leaves a gap that an uninterrupted run has not.
    bool canonicalIds = false;
};

QStringList dumpForComparison(Database &db, const DumpOptions &options);

// The first lines where two dumps differ, for a readable failure message.
QString firstDifferences(const QStringList &expected, const QStringList &actual, int max = 5);

// Pipedrive ids that the CRM accounts for, per mapping types: mapped rows (any of the types) and
// problems recorded for `entity` ("persons", ...).
QList<qint64> handledIds(Database &db, const QStringList &mappingTypes, const QString &entity);

} // namespace pds::test
