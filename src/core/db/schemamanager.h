#pragma once

#include "db/databaseconfig.h"
#include "db/dberror.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace pds {

class Database;

// A CRM table the sync writes, with every column it must have.
struct CrmTable
{
    QString name;
    QStringList columns;
};

// Makes an open database ready for the sync: creates the CRM schema on an empty database,
// checks an existing CRM database without altering it, and adds the app's own
// pipedrive_sync_* tables.
class SchemaManager
{
public:
    enum class Outcome {
        None, // not run, or failed
        CreatedCrmSchema, // the database was empty; it now holds the CRM schema
        UsedExistingCrm, // an existing CRM database passed the checks
    };

    static constexpr int AppSchemaVersion = 1;

    // Must run outside a transaction. Refuses (NotACrmDatabase) a database that holds other
    // tables but not the CRM's, or a CRM database missing a table or column the sync writes.
    DbError ensureSchema(Database &db);

    Outcome outcome() const { return m_outcome; }
    QStringList createdAppTables() const { return m_createdAppTables; }

    // The CRM tables and columns the sync writes (as in /work/shared/crm/*.sql): the one list.
    static const QList<CrmTable> &requiredCrmTables();
    static const QStringList &appTables();
    // The embedded copy of the CRM's schema file for a dialect (":/crm/sqlite.sql", ...).
    static QString embeddedSchemaPath(DatabaseConfig::Kind kind);

    // Tables and views of the current schema (SQLite: main), lower-case, sorted.
    static QStringList tables(Database &db, DbError *error = nullptr);
    static QStringList columns(Database &db, const QString &table, DbError *error = nullptr);
    // "table" / "table.column" the sync needs but the database lacks; empty if complete.
    static QStringList missingCrmParts(Database &db, DbError *error = nullptr);

private:
    DbError createCrmSchema(Database &db);
    DbError ensureAppTables(Database &db, const QStringList &existing);

    Outcome m_outcome = Outcome::None;
    QStringList m_createdAppTables;
};

} // namespace pds
