#include "db/schemamanager.h"

#include "db/database.h"
#include "db/sqlscript.h"
#include "logging.h"

#include <QFile>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pds {

namespace {

constexpr auto AppPrefix = "pipedrive_sync_"_L1;

QString where(const Database &db)
{
    return db.config().displayUrl();
}

// DDL of the app's own tables, per dialect. Types are what Rails would pick, so that the
// tables look at home next to the CRM's.
struct AppTable
{
    QString name;
    QStringList statements; // CREATE TABLE, then its indexes
    // A column whose CHECK allows only these words: a table an earlier version made allows fewer
    // (pipedrive_sync_problems' "warning" came later) and is brought up to date.
    QString checkColumn = {};
    QStringList checkWords = {};
};

const QStringList ProblemKinds { u"skipped"_s, u"merged"_s, u"failed"_s, u"deleted"_s,
    u"warning"_s };
const QStringList ChangeOps { u"insert"_s, u"update"_s, u"delete"_s, u"map_set"_s, u"map_remove"_s,
    u"state"_s };

// A CHECK that a column holds one of a few words, spelled as comparisons joined by OR. SQLite
// evaluates a CHECK's IN list by building a temporary index of the list for every row inserted:
// that doubled the cost of a journal row.
QString oneOf(const QString &column, const QStringList &words)
{
    QStringList tests;
    for (const QString &word : words)
        tests << u"\"%1\" = '%2'"_s.arg(column, word);
    return u"(%1)"_s.arg(tests.join(" OR "_L1));
}

// Whether a CHECK's text (as SQLite keeps it, or as PostgreSQL gives it back) allows every word.
bool allowsAll(const QString &check, const QStringList &words)
{
    return std::all_of(words.cbegin(), words.cend(),
        [&](const QString &word) { return check.contains(u"'%1'"_s.arg(word)); });
}

QList<AppTable> appTableDdl(bool postgres)
{
    const QString id = postgres ? u"\"id\" bigserial primary key"_s
                                : u"\"id\" integer PRIMARY KEY AUTOINCREMENT NOT NULL"_s;
    const QString varchar = postgres ? u"character varying"_s : u"varchar"_s;
    const QString time = postgres ? u"timestamp(6)"_s : u"datetime(6)"_s;
    const QString falseValue = postgres ? u"FALSE"_s : u"0"_s;

    QStringList counts;
    for (const char *name : { "fetched", "created", "updated", "unchanged", "merged", "skipped",
             "failed", "deleted", "requests", "tokens" })
        counts << u"\"%1\" bigint DEFAULT 0 NOT NULL"_s.arg(QLatin1StringView(name));

    return {
        { u"pipedrive_sync_runs"_s,
            { u"CREATE TABLE IF NOT EXISTS \"pipedrive_sync_runs\" (%1, \"entity\" %2 NOT NULL, "
              "\"mode\" %2 NOT NULL, \"dry_run\" boolean DEFAULT %4 NOT NULL, \"started_at\" %3 "
              "NOT NULL, \"finished_at\" %3, \"outcome\" %2 NOT NULL, \"message\" text, %5)"_s.arg(
                  id, varchar, time, falseValue, counts.join(", "_L1)),
                u"CREATE INDEX IF NOT EXISTS \"index_pipedrive_sync_runs_on_entity\" ON "
                "\"pipedrive_sync_runs\" (\"entity\")"_s } },
        { u"pipedrive_sync_problems"_s,
            { u"CREATE TABLE IF NOT EXISTS \"pipedrive_sync_problems\" (%1, \"run_id\" bigint NOT "
              "NULL REFERENCES \"pipedrive_sync_runs\" (\"id\") ON DELETE CASCADE, \"entity\" %2 "
              "NOT NULL, \"pipedrive_id\" bigint, \"kind\" %2 NOT NULL CHECK %4, \"reason\" "
              "text NOT NULL, \"detail\" text, \"created_at\" %3 NOT NULL)"_s.arg(
                  id, varchar, time, oneOf(u"kind"_s, ProblemKinds)),
                u"CREATE INDEX IF NOT EXISTS "
                "\"index_pipedrive_sync_problems_on_entity_and_pipedrive_id\" ON "
                "\"pipedrive_sync_problems\" (\"entity\", \"pipedrive_id\")"_s,
                u"CREATE INDEX IF NOT EXISTS \"index_pipedrive_sync_problems_on_run_id\" ON "
                "\"pipedrive_sync_problems\" (\"run_id\")"_s },
            u"kind"_s, ProblemKinds },
        { u"pipedrive_sync_state"_s,
            { u"CREATE TABLE IF NOT EXISTS \"pipedrive_sync_state\" (\"entity\" %1 NOT NULL "
              "PRIMARY KEY, \"high_water_mark\" %1, \"checkpoint\" text, \"updated_at\" %2 NOT "
              "NULL)"_s.arg(varchar, time) } },
        { u"pipedrive_sync_meta"_s,
            { u"CREATE TABLE IF NOT EXISTS \"pipedrive_sync_meta\" (\"key\" %1 NOT NULL PRIMARY "
              "KEY, \"value\" %1)"_s.arg(varchar) } },
        // The undo journal: every change a sync made to the CRM, in order (id), with what is
        // needed to take it back. sync_id groups the entity runs of one sync (its first run).
        { u"pipedrive_sync_changes"_s,
            { u"CREATE TABLE IF NOT EXISTS \"pipedrive_sync_changes\" (%1, \"sync_id\" bigint NOT "
              "NULL, \"run_id\" bigint NOT NULL REFERENCES \"pipedrive_sync_runs\" (\"id\") ON "
              "DELETE CASCADE, \"entity\" %2 NOT NULL, \"op\" %2 NOT NULL CHECK %4, "
              "\"table_name\" %2 NOT NULL, \"row_id\" bigint, \"mapping_type\" %2, "
              "\"pipedrive_id\" bigint, \"old_values\" text, \"created_at\" %3 NOT NULL)"_s.arg(
                  id, varchar, time, oneOf(u"op"_s, ChangeOps)),
                u"CREATE INDEX IF NOT EXISTS \"index_pipedrive_sync_changes_on_sync_id\" ON "
                "\"pipedrive_sync_changes\" (\"sync_id\")"_s,
                u"CREATE INDEX IF NOT EXISTS \"index_pipedrive_sync_changes_on_run_id\" ON "
                "\"pipedrive_sync_changes\" (\"run_id\")"_s,
                u"CREATE INDEX IF NOT EXISTS \"index_pipedrive_sync_changes_on_row\" ON "
                "\"pipedrive_sync_changes\" (\"table_name\", \"row_id\")"_s,
                u"CREATE INDEX IF NOT EXISTS \"index_pipedrive_sync_changes_on_mapping\" ON "
                "\"pipedrive_sync_changes\" (\"mapping_type\", \"pipedrive_id\")"_s },
            u"op"_s, ChangeOps },
        // The ids a full pass has seen so far (deletion reconciliation): in the database, so
        // that memory stays bounded and a resumed pass still knows what the killed one saw.
        { u"pipedrive_sync_seen"_s,
            { u"CREATE TABLE IF NOT EXISTS \"pipedrive_sync_seen\" (\"entity\" %1 NOT NULL, "
              "\"pipedrive_id\" bigint NOT NULL, PRIMARY KEY (\"entity\", \"pipedrive_id\"))"_s.arg(
                  varchar) } },
    };
}

// Runs the statements that bring one of the app's tables up to date, in one transaction.
DbError upgrade(
    Database &db, const QString &table, const QStringList &statements, const char *logged)
{
    DbError error = db.beginTransaction();
    if (error.isError())
        return error;
    for (const QString &statement : statements) {
        if (!db.exec(statement, &error)) {
            db.rollback();
            error.message = u"Upgrading %1 in %2 failed: %3"_s.arg(table, where(db), error.message);
            return error;
        }
    }
    error = db.commit();
    if (error.isError())
        db.rollback();
    else
        qCInfo(lcDb) << logged << table;
    return error;
}

DbError rebuildOutdatedCheck(Database &db, const AppTable &table)
{
    // SQLite cannot alter a CHECK: a table that earlier versions created with an IN list (slow to
    // evaluate), or allowing fewer words than this version writes, is copied into one created as
    // now, in one transaction (nothing references these tables).
    DbError error;
    QString stored;
    const bool read = db.forEachRow(
        u"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?"_s, { table.name },
        [&](const QVariantList &row) { stored = row.value(0).toString(); }, &error);
    if (!read)
        return error;
    if (!stored.contains(u" IN ("_s, Qt::CaseInsensitive)
        && (table.checkColumn.isEmpty() || allowsAll(stored, table.checkWords)))
        return {};
    const QString rebuilt = table.name + u"_rebuilt"_s;
    QString create = table.statements.value(0);
    create.replace(u"\"%1\" ("_s.arg(table.name), u"\"%1\" ("_s.arg(rebuilt));
    QStringList names;
    for (const QString &column : SchemaManager::columns(db, table.name, &error)) {
        if (!Database::isPlainIdentifier(column))
            return DbError::make(
                DbError::Kind::Other, u"%1 has an unexpected column %2."_s.arg(table.name, column));
        names << u"\"%1\""_s.arg(column);
    }
    if (error.isError())
        return error;
    const QString columns = names.join(", "_L1);
    QStringList statements { create,
        u"INSERT INTO \"%1\" (%3) SELECT %3 FROM \"%2\""_s.arg(rebuilt, table.name, columns),
        u"DROP TABLE \"%1\""_s.arg(table.name),
        u"ALTER TABLE \"%1\" RENAME TO \"%2\""_s.arg(rebuilt, table.name) };
    statements << table.statements.mid(1);
    return upgrade(db, table.name, statements, "Rebuilt with its CHECK as now:");
}

DbError widenCheck(Database &db, const AppTable &table)
{
    // PostgreSQL alters a CHECK in place: one that lacks a word this version writes is replaced.
    DbError error;
    QStringList outdated;
    const bool read = db.forEachRow(
        u"SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON "
        "t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = "
        "current_schema() AND t.relname = ? AND c.contype = 'c'"_s,
        { table.name },
        [&](const QVariantList &row) {
            const QString definition = row.value(1).toString();
            if (definition.contains(u"'%1'"_s.arg(table.checkWords.constFirst()))
                && !allowsAll(definition, table.checkWords))
                outdated << row.value(0).toString();
        },
        &error);
    if (!read || outdated.isEmpty())
        return error;
    QStringList statements;
    for (const QString &name : std::as_const(outdated))
        statements << u"ALTER TABLE \"%1\" DROP CONSTRAINT \"%2\""_s.arg(table.name, name);
    statements << u"ALTER TABLE \"%1\" ADD CONSTRAINT \"%1_%2_check\" CHECK %3"_s.arg(
        table.name, table.checkColumn, oneOf(table.checkColumn, table.checkWords));
    return upgrade(db, table.name, statements, "Widened the CHECK of");
}

bool isSkippedScriptStatement(const QString &statement)
{
    // The reference scripts drop tables first to be re-runnable; here the database is
    // empty, and never dropping anything is the safer habit. PRAGMA foreign_keys cannot
    // change inside a transaction, and our connection keeps it ON anyway.
    return statement.startsWith("DROP TABLE"_L1, Qt::CaseInsensitive)
        || statement.startsWith("PRAGMA foreign_keys"_L1, Qt::CaseInsensitive);
}

} // namespace

const QList<CrmTable> &SchemaManager::requiredCrmTables()
{
    static const QList<CrmTable> tables = {
        { u"users"_s,
            { u"id"_s, u"email"_s, u"encrypted_password"_s, u"reset_password_token"_s,
                u"reset_password_sent_at"_s, u"remember_created_at"_s, u"sign_in_count"_s,
                u"current_sign_in_at"_s, u"last_sign_in_at"_s, u"current_sign_in_ip"_s,
                u"last_sign_in_ip"_s, u"first_name"_s, u"last_name"_s, u"company"_s, u"phone"_s,
                u"approved"_s, u"admin"_s, u"created_at"_s, u"updated_at"_s } },
        { u"accounts"_s,
            { u"id"_s, u"name"_s, u"email"_s, u"assigned_to"_s, u"website"_s, u"phone"_s,
                u"address"_s, u"city"_s, u"state"_s, u"zip"_s, u"created_at"_s, u"updated_at"_s } },
        { u"contacts"_s,
            { u"id"_s, u"first_name"_s, u"last_name"_s, u"company"_s, u"email"_s, u"phone"_s,
                u"address"_s, u"city"_s, u"state"_s, u"zip"_s, u"created_at"_s, u"updated_at"_s } },
        { u"leads"_s,
            { u"id"_s, u"first_name"_s, u"last_name"_s, u"company"_s, u"email"_s, u"phone"_s,
                u"address"_s, u"city"_s, u"state"_s, u"zip"_s, u"interested_in"_s, u"comments"_s,
                u"lead_status"_s, u"lead_source"_s, u"lead_owner"_s, u"account_name"_s,
                u"opportunity_name"_s, u"opportunity_owner"_s, u"assigned_to_id"_s, u"created_at"_s,
                u"updated_at"_s } },
        { u"opportunities"_s,
            { u"id"_s, u"opportunity_name"_s, u"account_name"_s, u"type"_s, u"amount"_s, u"stage"_s,
                u"owner"_s, u"probability"_s, u"contact_name"_s, u"comments"_s, u"closing_date"_s,
                u"created_at"_s, u"updated_at"_s } },
        { u"tasks"_s,
            { u"id"_s, u"title"_s, u"description"_s, u"due_date"_s, u"completed"_s, u"priority"_s,
                u"assignee_id"_s, u"created_at"_s, u"updated_at"_s } },
        { u"notes"_s, { u"id"_s, u"content"_s, u"created_at"_s, u"updated_at"_s, u"user_id"_s } },
        { u"note_associations"_s,
            { u"id"_s, u"note_id"_s, u"notable_type"_s, u"notable_id"_s, u"created_at"_s,
                u"updated_at"_s } },
        { u"pipedrive_mappings"_s,
            { u"id"_s, u"pipedrive_type"_s, u"pipedrive_id"_s, u"rails_id"_s, u"created_at"_s,
                u"updated_at"_s } },
    };
    return tables;
}

const QStringList &SchemaManager::appTables()
{
    static const QStringList names = [] {
        QStringList list;
        for (const AppTable &table : appTableDdl(false))
            list << table.name;
        return list;
    }();
    return names;
}

QString SchemaManager::embeddedSchemaPath(DatabaseConfig::Kind kind)
{
    return kind == DatabaseConfig::Kind::Postgres ? u":/crm/postgresql.sql"_s
                                                  : u":/crm/sqlite.sql"_s;
}

QStringList SchemaManager::tables(Database &db, DbError *error)
{
    QSqlQuery query(db.handle());
    const QString sql = db.isPostgres()
        // pg_catalog, not information_schema: the latter hides tables the user has no rights on.
        ? u"SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
          "c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', "
          "'m', 'f')"_s
        : u"SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE "
          "'sqlite\\_%' ESCAPE '\\'"_s;
    QStringList names;
    if (!query.exec(sql)) {
        if (error)
            *error = db.errorFrom(query.lastError());
        return names;
    }
    while (query.next())
        names << query.value(0).toString().toLower();
    names.sort();
    return names;
}

QStringList SchemaManager::columns(Database &db, const QString &table, DbError *error)
{
    QSqlQuery query(db.handle());
    query.prepare(db.isPostgres() ? u"SELECT a.attname FROM pg_catalog.pg_attribute a JOIN "
                                    "pg_catalog.pg_class c ON c.oid = a.attrelid JOIN "
                                    "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE "
                                    "n.nspname = current_schema() AND c.relname = ? AND a.attnum > "
                                    "0 AND NOT a.attisdropped ORDER BY a.attnum"_s
                                  : u"SELECT name FROM pragma_table_info(?) ORDER BY cid"_s);
    query.addBindValue(table);
    QStringList names;
    if (!query.exec()) {
        if (error)
            *error = db.errorFrom(query.lastError());
        return names;
    }
    while (query.next())
        names << query.value(0).toString().toLower();
    return names;
}

QStringList SchemaManager::missingCrmParts(Database &db, DbError *error)
{
    DbError failure;
    const QStringList present = tables(db, &failure);
    QStringList missing;
    for (const CrmTable &table : requiredCrmTables()) {
        if (failure.isError())
            break;
        if (!present.contains(table.name)) {
            missing << table.name;
            continue;
        }
        const QStringList have = columns(db, table.name, &failure);
        for (const QString &column : table.columns) {
            if (!have.contains(column))
                missing << table.name + u'.' + column;
        }
    }
    if (error)
        *error = failure;
    return failure.isError() ? QStringList() : missing;
}

DbError SchemaManager::ensureSchema(Database &db)
{
    m_outcome = Outcome::None;
    m_createdAppTables.clear();
    if (!db.isOpen())
        return DbError::make(DbError::Kind::Other, u"The database is not open."_s);
    if (db.inTransaction()) {
        return DbError::make(
            DbError::Kind::Other, u"Internal error: the schema check ran inside a transaction."_s);
    }

    DbError error;
    const QStringList present = tables(db, &error);
    if (error.isError())
        return error;

    QStringList foreign; // everything that is not ours
    for (const QString &table : present) {
        if (!table.startsWith(AppPrefix))
            foreign << table;
    }

    QStringList crmNames;
    for (const CrmTable &table : requiredCrmTables())
        crmNames << table.name;

    bool created = false;
    if (foreign.isEmpty()) {
        qCInfo(lcDb).noquote() << "empty database" << where(db) << "- creating the CRM schema";
        error = createCrmSchema(db);
        if (error.isError())
            return error;
        created = true;
    } else {
        bool anyCrmTable = false;
        for (const QString &name : std::as_const(crmNames))
            anyCrmTable = anyCrmTable || foreign.contains(name);
        if (!anyCrmTable) {
            QStringList shown = foreign.mid(0, 5);
            if (foreign.size() > shown.size())
                shown << u"…"_s;
            DbError refusal = DbError::make(DbError::Kind::NotACrmDatabase,
                u"%1 already holds other tables (%2) but none of the CRM's. Choose the CRM's own "
                "database or an empty one."_s.arg(where(db), shown.join(", "_L1)));
            refusal.missing = crmNames;
            return refusal;
        }
    }

    const QStringList missing = missingCrmParts(db, &error);
    if (error.isError())
        return error;
    if (!missing.isEmpty()) {
        DbError refusal = DbError::make(DbError::Kind::NotACrmDatabase,
            u"%1 is not a complete CRM database: it lacks %2. Bring the CRM up to "
            "date (bin/rails db:migrate) or choose its right database."_s.arg(
                where(db), missing.join(", "_L1)));
        refusal.missing = missing;
        return refusal;
    }

    error = ensureAppTables(db, present);
    if (error.isError())
        return error;
    m_outcome = created ? Outcome::CreatedCrmSchema : Outcome::UsedExistingCrm;
    return {};
}

DbError SchemaManager::createCrmSchema(Database &db)
{
    QFile file(embeddedSchemaPath(db.config().kind));
    if (!file.open(QIODevice::ReadOnly)) {
        return DbError::make(DbError::Kind::Other,
            u"Internal error: the embedded CRM schema %1 is missing."_s.arg(file.fileName()));
    }
    const QStringList statements = splitSqlStatements(QString::fromUtf8(file.readAll()));

    DbError error = db.beginTransaction();
    if (error.isError())
        return error;
    for (const QString &statement : statements) {
        if (isSkippedScriptStatement(statement))
            continue;
        if (!db.exec(statement, &error)) {
            db.rollback();
            error.message
                = u"Creating the CRM schema in %1 failed: %2"_s.arg(where(db), error.message);
            return error;
        }
    }
    return db.commit();
}

DbError SchemaManager::ensureAppTables(Database &db, const QStringList &existing)
{
    const QList<AppTable> ddl = appTableDdl(db.isPostgres());
    QList<AppTable> toCreate;
    for (const AppTable &table : ddl) {
        if (!existing.contains(table.name))
            toCreate << table;
    }

    DbError error;
    if (!toCreate.isEmpty()) {
        error = db.beginTransaction();
        if (error.isError())
            return error;
        for (const AppTable &table : std::as_const(toCreate)) {
            for (const QString &statement : table.statements) {
                if (!db.exec(statement, &error)) {
                    db.rollback();
                    return error;
                }
            }
        }
        error = db.commit();
        if (error.isError()) {
            db.rollback();
            return error;
        }
        for (const AppTable &table : std::as_const(toCreate))
            m_createdAppTables << table.name;
    }

    for (const AppTable &table : ddl) {
        if (!existing.contains(table.name))
            continue;
        if (!db.isPostgres())
            error = rebuildOutdatedCheck(db, table);
        else if (!table.checkColumn.isEmpty())
            error = widenCheck(db, table);
        if (error.isError())
            return error;
    }

    // The version of our own tables, so that a later release can migrate them.
    QSqlQuery query(db.handle());
    query.prepare(u"SELECT \"value\" FROM \"pipedrive_sync_meta\" WHERE \"key\" = ?"_s);
    query.addBindValue(u"schema_version"_s);
    if (!db.exec(query, &error))
        return error;
    if (query.next()) {
        const int version = query.value(0).toString().toInt();
        query.finish();
        if (version > AppSchemaVersion) {
            return DbError::make(DbError::Kind::Other,
                u"%1 was last used by a newer Pipedrive Sync (its tables have "
                "version %2, this one knows %3). Update Pipedrive Sync."_s.arg(where(db))
                    .arg(version)
                    .arg(AppSchemaVersion));
        }
        return {};
    }
    query.finish();
    QSqlQuery insert(db.handle());
    insert.prepare(u"INSERT INTO \"pipedrive_sync_meta\" (\"key\", \"value\") VALUES (?, ?)"_s);
    insert.addBindValue(u"schema_version"_s);
    insert.addBindValue(QString::number(AppSchemaVersion));
    db.exec(insert, &error);
    return error;
}

} // namespace pds
