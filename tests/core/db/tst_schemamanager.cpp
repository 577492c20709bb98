#include "db/database.h"
#include "db/schemamanager.h"
#include "scratchdatabase.h"

#include <QFile>
#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;
using pds::Database;
using pds::DbError;
using pds::SchemaManager;

namespace {

QString referenceScript(const pds::test::ScratchDatabase &scratch)
{
    return QStringLiteral(PDS_SHARED_DIR "/crm/")
        + (scratch.isPostgres() ? u"postgresql.sql"_s : u"sqlite.sql"_s);
}

QStringList bookkeeping(pds::test::ScratchDatabase &scratch, QString *error)
{
    QStringList rows = scratch.queryColumn(
        u"SELECT 'version|' || version FROM schema_migrations ORDER BY version"_s, error);
    rows << scratch.queryColumn(
        u"SELECT 'meta|' || key || '|' || value || '|' || CAST(created_at AS TEXT) || '|' || "
        "CAST(updated_at AS TEXT) FROM ar_internal_metadata ORDER BY key"_s,
        error);
    return rows;
}

} // namespace

class TestSchemaManager : public QObject
{
    Q_OBJECT

private slots:
    void embeddedSchemaFilesEqualTheSharedOnes();

    void createsTheCrmSchemaOnAnEmptyDatabaseAsTheReference_data() { pds::test::addBackendRows(); }
    void createsTheCrmSchemaOnAnEmptyDatabaseAsTheReference();
    void recordsTheSixteenMigrationsAndRailsMetadata_data() { pds::test::addBackendRows(); }
    void recordsTheSixteenMigrationsAndRailsMetadata();
    void createsTheAppTables_data() { pds::test::addBackendRows(); }
    void createsTheAppTables();
    void acceptsAnExistingCrmDatabaseWithoutAlteringIt_data() { pds::test::addBackendRows(); }
    void acceptsAnExistingCrmDatabaseWithoutAlteringIt();
    void requiredColumnsMatchTheReferenceSchema_data() { pds::test::addBackendRows(); }
    void requiredColumnsMatchTheReferenceSchema();
    void refusesACrmDatabaseMissingAColumn_data() { pds::test::addBackendRows(); }
    void refusesACrmDatabaseMissingAColumn();
    void refusesACrmDatabaseMissingATable_data() { pds::test::addBackendRows(); }
    void refusesACrmDatabaseMissingATable();
    void refusesAnUnrelatedDatabase_data() { pds::test::addBackendRows(); }
    void refusesAnUnrelatedDatabase();
    void refusesAppTablesOfANewerVersion_data() { pds::test::addBackendRows(); }
    void refusesAppTablesOfANewerVersion();
    void refusesToRunInsideATransaction();
    void rebuildsJournalTablesWithAnInListCheck();
    void widensAProblemsCheckOfAnEarlierVersion_data() { pds::test::addBackendRows(); }
    void widensAProblemsCheckOfAnEarlierVersion();
    void failedCreationLeavesTheDatabaseEmpty();
};

void TestSchemaManager::embeddedSchemaFilesEqualTheSharedOnes()
{
    for (const auto kind :
        { pds::DatabaseConfig::Kind::Sqlite, pds::DatabaseConfig::Kind::Postgres }) {
        const QString name
            = kind == pds::DatabaseConfig::Kind::Sqlite ? u"sqlite.sql"_s : u"postgresql.sql"_s;
        QFile embedded(SchemaManager::embeddedSchemaPath(kind));
        QVERIFY2(embedded.open(QIODevice::ReadOnly), qPrintable(embedded.fileName()));
        QFile shared(QStringLiteral(PDS_SHARED_DIR "/crm/") + name);
        QVERIFY(shared.open(QIODevice::ReadOnly));
        QFile copy(QStringLiteral(PDS_SOURCE_DIR "/src/core/db/schema/") + name);
        QVERIFY(copy.open(QIODevice::ReadOnly));
        const QByteArray reference = shared.readAll();
        QVERIFY(!reference.isEmpty());
        QVERIFY2(embedded.readAll() == reference,
            qPrintable(
                u"the embedded %1 differs from /work/shared/crm: copy it again"_s.arg(name)));
        QVERIFY2(copy.readAll() == reference,
            qPrintable(
                u"src/core/db/schema/%1 differs from shared/crm: copy it again"_s.arg(name)));
    }
}

void TestSchemaManager::createsTheCrmSchemaOnAnEmptyDatabaseAsTheReference()
{
    PDS_SCRATCH_DATABASE(created);
    pds::test::ScratchDatabase reference(backend);
    QVERIFY2(reference.isReady(), qPrintable(reference.error()));

    {
        Database db;
        QVERIFY(db.open(created.config()).isOk());
        SchemaManager schema;
        const DbError error = schema.ensureSchema(db);
        QVERIFY2(error.isOk(), qPrintable(error.toString()));
        QCOMPARE(schema.outcome(), SchemaManager::Outcome::CreatedCrmSchema);
        QCOMPARE(schema.createdAppTables(), SchemaManager::appTables());
    }
    QString error;
    QVERIFY2(reference.loadScript(referenceScript(reference), &error), qPrintable(error));

    const QStringList ours = created.schemaSnapshot(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QStringList theirs = reference.schemaSnapshot(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(theirs.size() > 100); // tables, columns, indexes, keys
    for (const QString &line : theirs)
        QVERIFY2(ours.contains(line), qPrintable(u"missing: "_s + line));
    for (const QString &line : ours)
        QVERIFY2(theirs.contains(line), qPrintable(u"extra: "_s + line));
    QCOMPARE(ours, theirs);

    const QString versions = u"SELECT version FROM schema_migrations ORDER BY version"_s;
    QCOMPARE(created.queryColumn(versions, &error), reference.queryColumn(versions, &error));
    const QString meta = u"SELECT key || '=' || value FROM ar_internal_metadata ORDER BY key"_s;
    QCOMPARE(created.queryColumn(meta, &error), reference.queryColumn(meta, &error));
}

void TestSchemaManager::recordsTheSixteenMigrationsAndRailsMetadata()
{
    PDS_SCRATCH_DATABASE(scratch);
    {
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        SchemaManager schema;
        QVERIFY(schema.ensureSchema(db).isOk());
    }
    QString error;
    const QStringList versions
        = scratch.queryColumn(u"SELECT version FROM schema_migrations ORDER BY version"_s, &error);
    QCOMPARE(versions.size(), 16);
    QCOMPARE(versions.first(), u"20250910151506"_s);
    QCOMPARE(versions.last(), u"20251120022035"_s); // the schema version itself

    QCOMPARE(scratch.queryColumn(u"SELECT key || '=' || value FROM ar_internal_metadata ORDER BY "
                                 "key"_s,
                 &error),
        (QStringList { u"environment=development"_s,
            u"schema_sha1=46fe51e940d738483ba03c529525d04d727c522e"_s }));
    const QStringList stamps = scratch.queryColumn(
        u"SELECT CAST(created_at AS TEXT) FROM ar_internal_metadata"_s, &error);
    QCOMPARE(stamps.size(), 2);
    for (const QString &stamp : stamps) {
        const QDateTime time = Database::parseTimestamp(stamp);
        QVERIFY2(time.isValid(), qPrintable(stamp));
        QVERIFY(qAbs(time.secsTo(QDateTime::currentDateTimeUtc())) < 24 * 3600);
    }
}

void TestSchemaManager::createsTheAppTables()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    SchemaManager schema;
    QVERIFY(schema.ensureSchema(db).isOk());

    QCOMPARE(SchemaManager::columns(db, u"pipedrive_sync_runs"_s),
        (QStringList { u"id"_s, u"entity"_s, u"mode"_s, u"dry_run"_s, u"started_at"_s,
            u"finished_at"_s, u"outcome"_s, u"message"_s, u"fetched"_s, u"created"_s, u"updated"_s,
            u"unchanged"_s, u"merged"_s, u"skipped"_s, u"failed"_s, u"deleted"_s, u"requests"_s,
            u"tokens"_s }));
    QCOMPARE(SchemaManager::columns(db, u"pipedrive_sync_problems"_s),
        (QStringList { u"id"_s, u"run_id"_s, u"entity"_s, u"pipedrive_id"_s, u"kind"_s, u"reason"_s,
            u"detail"_s, u"created_at"_s }));
    QCOMPARE(SchemaManager::columns(db, u"pipedrive_sync_state"_s),
        (QStringList { u"entity"_s, u"high_water_mark"_s, u"checkpoint"_s, u"updated_at"_s }));
    QCOMPARE(SchemaManager::columns(db, u"pipedrive_sync_meta"_s),
        (QStringList { u"key"_s, u"value"_s }));

    QSqlQuery query(db.handle());
    QVERIFY(query.exec(db.isPostgres()
            ? u"SELECT indexdef FROM pg_indexes WHERE indexname = "
              "'index_pipedrive_sync_problems_on_entity_and_pipedrive_id'"_s
            : u"SELECT group_concat(name, ',') FROM "
              "pragma_index_info('index_pipedrive_sync_problems_on_entity_and_"
              "pipedrive_id')"_s));
    QVERIFY(query.next());
    const QString index = query.value(0).toString();
    QVERIFY2(index.contains(u"entity"_s) && index.contains(u"pipedrive_id"_s), qPrintable(index));
    query.finish();

    QVERIFY(query.exec(u"SELECT value FROM pipedrive_sync_meta WHERE key = 'schema_version'"_s));
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toString(), QString::number(SchemaManager::AppSchemaVersion));
    query.finish();

    // The kind column takes only the four kinds.
    DbError error;
    QVERIFY(db.exec(u"INSERT INTO pipedrive_sync_runs (entity, mode, started_at, outcome) VALUES "
                    "('users', 'full', '2025-01-01 00:00:00', 'running')"_s,
        &error));
    QVERIFY(!db.exec(u"INSERT INTO pipedrive_sync_problems (run_id, entity, kind, reason, "
                     "created_at) VALUES (1, 'users', 'bogus', 'r', '2025-01-01 00:00:00')"_s,
        &error));
    QCOMPARE(error.kind, DbError::Kind::Constraint);
    // And the journal's op column only its six.
    QVERIFY(!db.exec(u"INSERT INTO pipedrive_sync_changes (sync_id, run_id, entity, op, "
                     "table_name, created_at) VALUES (1, 1, 'users', 'bogus', 'users', "
                     "'2025-01-01 00:00:00')"_s,
        &error));
    QCOMPARE(error.kind, DbError::Kind::Constraint);
    QVERIFY(db.exec(u"INSERT INTO pipedrive_sync_changes (sync_id, run_id, entity, op, "
                    "table_name, created_at) VALUES (1, 1, 'users', 'map_remove', 'users', "
                    "'2025-01-01 00:00:00')"_s,
        &error));
}

void TestSchemaManager::acceptsAnExistingCrmDatabaseWithoutAlteringIt()
{
    PDS_SCRATCH_DATABASE(scratch);
    QString error;
    QVERIFY2(scratch.loadScript(referenceScript(scratch), &error), qPrintable(error));
    QVERIFY2(scratch.exec({ u"INSERT INTO users (email, encrypted_password, created_at, "
                            "updated_at) VALUES ('ann@example.com', '$2a$12$x', '2024-01-01 "
                            "10:00:00', '2024-01-01 10:00:00')"_s },
                 &error),
        qPrintable(error));
    if (scratch.isPostgres()) {
        // Every DDL command from now on is logged, ours included.
        QVERIFY2(
            scratch.exec({ u"CREATE TABLE ddl_log (tag text, identity text)"_s,
                             u"CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql "
                             "AS $$ DECLARE r record; BEGIN FOR r IN SELECT * FROM "
                             "pg_event_trigger_ddl_commands() LOOP INSERT INTO public.ddl_log "
                             "VALUES (r.command_tag, r.object_identity); END LOOP; END $$"_s,
                             u"CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE "
                             "FUNCTION log_ddl()"_s },
                &error),
            qPrintable(error));
    }
    const QStringList schemaBefore = scratch.schemaSnapshot(&error);
    const QStringList rowsBefore = bookkeeping(scratch, &error);
    const QString users = u"SELECT email || '|' || encrypted_password || '|' || "
                          "CAST(updated_at AS TEXT) FROM users"_s;
    const QStringList usersBefore = scratch.queryColumn(users, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(rowsBefore.size(), 18);

    QString schemaVersionAfterFirst;
    {
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        SchemaManager schema;
        const DbError result = schema.ensureSchema(db);
        QVERIFY2(result.isOk(), qPrintable(result.toString()));
        QCOMPARE(schema.outcome(), SchemaManager::Outcome::UsedExistingCrm);
        QCOMPARE(schema.createdAppTables(), SchemaManager::appTables());
    }
    QCOMPARE(scratch.schemaSnapshot(&error), schemaBefore);
    QCOMPARE(bookkeeping(scratch, &error), rowsBefore);
    QCOMPARE(scratch.queryColumn(users, &error), usersBefore);

    const QString ddlLog = u"SELECT tag || ' ' || identity FROM ddl_log"_s;
    const QString schemaCookie = u"PRAGMA schema_version"_s;
    QStringList changesAfterFirst;
    if (scratch.isPostgres()) {
        changesAfterFirst = scratch.queryColumn(ddlLog, &error);
        QVERIFY(!changesAfterFirst.isEmpty());
        for (const QString &change : std::as_const(changesAfterFirst))
            QVERIFY2(change.contains(u"pipedrive_sync_"_s), qPrintable(change));
    } else {
        changesAfterFirst = scratch.queryColumn(schemaCookie, &error);
    }

    // A second run finds everything in place and changes no schema at all.
    {
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        SchemaManager schema;
        QVERIFY(schema.ensureSchema(db).isOk());
        QCOMPARE(schema.outcome(), SchemaManager::Outcome::UsedExistingCrm);
        QVERIFY(schema.createdAppTables().isEmpty());
    }
    QCOMPARE(scratch.queryColumn(scratch.isPostgres() ? ddlLog : schemaCookie, &error),
        changesAfterFirst);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestSchemaManager::requiredColumnsMatchTheReferenceSchema()
{
    PDS_SCRATCH_DATABASE(scratch);
    QString error;
    QVERIFY2(scratch.loadScript(referenceScript(scratch), &error), qPrintable(error));
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    QCOMPARE(SchemaManager::requiredCrmTables().size(), 9);
    for (const pds::CrmTable &table : SchemaManager::requiredCrmTables())
        QCOMPARE(SchemaManager::columns(db, table.name), table.columns);
    QVERIFY(SchemaManager::missingCrmParts(db).isEmpty());
}

void TestSchemaManager::refusesACrmDatabaseMissingAColumn()
{
    PDS_SCRATCH_DATABASE(scratch);
    QString error;
    QVERIFY2(scratch.loadScript(referenceScript(scratch), &error), qPrintable(error));
    // SQLite drops a column only once no index uses it.
    const QStringList drop = scratch.isPostgres()
        ? QStringList { u"ALTER TABLE contacts DROP COLUMN email"_s }
        : QStringList { u"DROP INDEX index_contacts_on_email"_s,
              u"ALTER TABLE contacts DROP COLUMN email"_s };
    QVERIFY2(scratch.exec(drop, &error), qPrintable(error));
    const QStringList before = scratch.schemaSnapshot(&error);

    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    SchemaManager schema;
    const DbError result = schema.ensureSchema(db);
    QCOMPARE(result.kind, DbError::Kind::NotACrmDatabase);
    QCOMPARE(result.missing, QStringList { u"contacts.email"_s });
    QVERIFY2(result.message.contains(u"contacts.email"_s), qPrintable(result.message));
    QCOMPARE(schema.outcome(), SchemaManager::Outcome::None);
    QVERIFY(!SchemaManager::tables(db).contains(u"pipedrive_sync_runs"_s));
    db.close();
    QCOMPARE(scratch.schemaSnapshot(&error), before);
}

void TestSchemaManager::refusesACrmDatabaseMissingATable()
{
    PDS_SCRATCH_DATABASE(scratch);
    QString error;
    QVERIFY2(scratch.loadScript(referenceScript(scratch), &error), qPrintable(error));
    QVERIFY2(scratch.exec({ u"DROP TABLE note_associations"_s }, &error), qPrintable(error));

    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    SchemaManager schema;
    const DbError result = schema.ensureSchema(db);
    QCOMPARE(result.kind, DbError::Kind::NotACrmDatabase);
    QCOMPARE(result.missing, QStringList { u"note_associations"_s });
    QVERIFY2(result.message.contains(u"note_associations"_s), qPrintable(result.message));
}

void TestSchemaManager::refusesAnUnrelatedDatabase()
{
    PDS_SCRATCH_DATABASE(scratch);
    QString error;
    QVERIFY2(scratch.exec({ u"CREATE TABLE widgets (id integer, name varchar)"_s,
                              u"CREATE TABLE schema_migrations (version varchar)"_s },
                 &error),
        qPrintable(error));
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    SchemaManager schema;
    const DbError result = schema.ensureSchema(db);
    QCOMPARE(result.kind, DbError::Kind::NotACrmDatabase);
    QVERIFY2(result.message.contains(u"widgets"_s), qPrintable(result.message));
    QVERIFY(result.missing.contains(u"users"_s));
    QCOMPARE(SchemaManager::tables(db), (QStringList { u"schema_migrations"_s, u"widgets"_s }));
}

void TestSchemaManager::refusesAppTablesOfANewerVersion()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    SchemaManager schema;
    QVERIFY(schema.ensureSchema(db).isOk());
    DbError error;
    QVERIFY(db.exec(
        u"UPDATE pipedrive_sync_meta SET value = '99' WHERE key = 'schema_version'"_s, &error));
    const DbError result = schema.ensureSchema(db);
    QCOMPARE(result.kind, DbError::Kind::Other);
    QVERIFY2(result.message.contains(u"newer"_s), qPrintable(result.message));
}

void TestSchemaManager::refusesToRunInsideATransaction()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    QVERIFY(db.beginTransaction().isOk());
    SchemaManager schema;
    QVERIFY(schema.ensureSchema(db).isError());
    QVERIFY(db.rollback().isOk());
    QVERIFY(SchemaManager::tables(db).isEmpty());
}

void TestSchemaManager::rebuildsJournalTablesWithAnInListCheck()
{
    // Earlier versions spelled the CHECKs with IN lists, which SQLite evaluates slowly; their
    // tables are rebuilt as now, with every row kept.
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    {
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        QVERIFY(SchemaManager().ensureSchema(db).isOk());
    }
    QString error;
    QVERIFY2(scratch.exec(
                 { u"DROP TABLE pipedrive_sync_changes"_s, u"DROP TABLE pipedrive_sync_problems"_s,
                     u"CREATE TABLE \"pipedrive_sync_problems\" (\"id\" integer PRIMARY KEY "
                     "AUTOINCREMENT NOT NULL, \"run_id\" bigint NOT NULL REFERENCES "
                     "\"pipedrive_sync_runs\" (\"id\") ON DELETE CASCADE, \"entity\" varchar "
                     "NOT NULL, \"pipedrive_id\" bigint, \"kind\" varchar NOT NULL CHECK "
                     "(\"kind\" IN ('skipped', 'merged', 'failed', 'deleted')), \"reason\" text "
                     "NOT NULL, \"detail\" text, \"created_at\" datetime(6) NOT NULL)"_s,
                     u"CREATE TABLE \"pipedrive_sync_changes\" (\"id\" integer PRIMARY KEY "
                     "AUTOINCREMENT NOT NULL, \"sync_id\" bigint NOT NULL, \"run_id\" bigint NOT "
                     "NULL REFERENCES \"pipedrive_sync_runs\" (\"id\") ON DELETE CASCADE, "
                     "\"entity\" varchar NOT NULL, \"op\" varchar NOT NULL CHECK (\"op\" IN "
                     "('insert', 'update', 'delete', 'map_set', 'map_remove', 'state')), "
                     "\"table_name\" varchar NOT NULL, \"row_id\" bigint, \"mapping_type\" "
                     "varchar, \"pipedrive_id\" bigint, \"old_values\" text, \"created_at\" "
                     "datetime(6) NOT NULL)"_s,
                     u"INSERT INTO pipedrive_sync_runs (entity, mode, started_at, outcome) VALUES "
                     "('persons', 'full', '2025-01-01 00:00:00', 'done')"_s,
                     u"INSERT INTO pipedrive_sync_changes (id, sync_id, run_id, entity, op, "
                     "table_name, row_id, mapping_type, pipedrive_id, old_values, created_at) "
                     "VALUES (7, 1, 1, 'persons', 'update', 'contacts', 3, NULL, NULL, "
                     "'{\"email\":\"a@b.c\"}', '2025-01-01 00:00:01')"_s,
                     u"INSERT INTO pipedrive_sync_problems (id, run_id, entity, pipedrive_id, "
                     "kind, reason, detail, created_at) VALUES (4, 1, 'persons', 12, 'skipped', "
                     "'no name', NULL, '2025-01-01 00:00:02')"_s },
                 &error),
        qPrintable(error));
    const QString changes = u"SELECT id || '|' || sync_id || '|' || run_id || '|' || entity || "
                            "'|' || op || '|' || table_name || '|' || row_id || '|' || "
                            "COALESCE(mapping_type, '-') || '|' || old_values || '|' || "
                            "created_at FROM pipedrive_sync_changes"_s;
    const QString problems = u"SELECT id || '|' || run_id || '|' || pipedrive_id || '|' || kind "
                             "|| '|' || reason || '|' || created_at FROM pipedrive_sync_problems"_s;
    const QStringList changesBefore = scratch.queryColumn(changes, &error);
    const QStringList problemsBefore = scratch.queryColumn(problems, &error);
    QCOMPARE(changesBefore.size(), 1);
    QCOMPARE(problemsBefore.size(), 1);

    {
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        SchemaManager schema;
        const DbError result = schema.ensureSchema(db);
        QVERIFY2(result.isOk(), qPrintable(result.toString()));
    }
    QCOMPARE(scratch.queryColumn(changes, &error), changesBefore);
    QCOMPARE(scratch.queryColumn(problems, &error), problemsBefore);
    const QStringList definitions = scratch.queryColumn(
        u"SELECT name || ': ' || sql FROM sqlite_master WHERE tbl_name IN "
        "('pipedrive_sync_changes', 'pipedrive_sync_problems') ORDER BY name"_s,
        &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // Both tables and their six indexes, none with an IN list or the temporary name.
    QCOMPARE(definitions.size(), 8);
    for (const QString &definition : definitions) {
        QVERIFY2(!definition.contains(u" IN ("_s) && !definition.contains(u"_rebuilt"_s),
            qPrintable(definition));
    }
    // The rebuilt CHECKs still refuse what the old ones refused.
    QVERIFY(!scratch.exec({ u"INSERT INTO pipedrive_sync_changes (sync_id, run_id, entity, op, "
                            "table_name, created_at) VALUES (1, 1, 'persons', 'upsert', "
                            "'contacts', '2025-01-01 00:00:00')"_s },
        &error));
    QVERIFY2(error.contains(u"CHECK"_s), qPrintable(error));
}

void TestSchemaManager::widensAProblemsCheckOfAnEarlierVersion()
{
    // Problems of kind "warning" came later: a problems table made before allows only four kinds,
    // and is brought up to date with its rows kept.
    PDS_SCRATCH_DATABASE(scratch);
    {
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        QVERIFY(SchemaManager().ensureSchema(db).isOk());
    }
    const QString oldCheck = u"CHECK (\"kind\" = 'skipped' OR \"kind\" = 'merged' OR \"kind\" = "
                             "'failed' OR \"kind\" = 'deleted')"_s;
    const bool postgres = scratch.config().isPostgres();
    QStringList earlier;
    if (postgres) {
        earlier << u"ALTER TABLE pipedrive_sync_problems DROP CONSTRAINT "
                   "pipedrive_sync_problems_kind_check"_s
                << u"ALTER TABLE pipedrive_sync_problems ADD CONSTRAINT "
                   "pipedrive_sync_problems_kind_check "_s
                + oldCheck;
    } else {
        earlier << u"DROP TABLE pipedrive_sync_problems"_s
                << u"CREATE TABLE \"pipedrive_sync_problems\" (\"id\" integer PRIMARY KEY "
                   "AUTOINCREMENT NOT NULL, \"run_id\" bigint NOT NULL REFERENCES "
                   "\"pipedrive_sync_runs\" (\"id\") ON DELETE CASCADE, \"entity\" varchar NOT "
                   "NULL, \"pipedrive_id\" bigint, \"kind\" varchar NOT NULL "_s
                + oldCheck
                + u", \"reason\" text NOT NULL, \"detail\" text, \"created_at\" datetime(6) NOT "
                  "NULL)"_s;
    }
    earlier << u"INSERT INTO pipedrive_sync_runs (entity, mode, started_at, outcome) VALUES "
               "('deals', 'full', '2025-01-01 00:00:00', 'done')"_s
            << u"INSERT INTO pipedrive_sync_problems (run_id, entity, pipedrive_id, kind, reason, "
               "created_at) SELECT MAX(id), 'deals', 12, 'skipped', 'no title', "
               "'2025-01-01 00:00:02' FROM pipedrive_sync_runs"_s;
    QString error;
    QVERIFY2(scratch.exec(earlier, &error), qPrintable(error));
    const auto insertKind = [&](const QString &kind) {
        return scratch.exec({ u"INSERT INTO pipedrive_sync_problems (run_id, entity, pipedrive_id, "
                              "kind, reason, created_at) SELECT MAX(id), 'deals', 13, '%1', "
                              "'invalid probability', '2025-01-01 00:00:03' FROM "
                              "pipedrive_sync_runs"_s.arg(kind) },
            &error);
    };
    QVERIFY(!insertKind(u"warning"_s)); // as the earlier version made it

    {
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        const DbError result = SchemaManager().ensureSchema(db);
        QVERIFY2(result.isOk(), qPrintable(result.toString()));
    }
    QVERIFY2(insertKind(u"warning"_s), qPrintable(error));
    QVERIFY(!insertKind(u"noticed"_s)); // still a CHECK
    QCOMPARE(scratch.queryColumn(u"SELECT kind FROM pipedrive_sync_problems ORDER BY id"_s, &error),
        (QStringList { u"skipped"_s, u"warning"_s }));
    // A second start finds nothing to do.
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    QVERIFY(SchemaManager().ensureSchema(db).isOk());
}

void TestSchemaManager::failedCreationLeavesTheDatabaseEmpty()
{
    // A composite type named "users" is no table, so the database counts as empty, but it
    // makes CREATE TABLE "users" fail after the tables before it were created.
    pds::test::ScratchDatabase scratch(u"postgresql"_s);
    if (!scratch.isReady() && !scratch.skipReason().isEmpty())
        QSKIP(qPrintable(scratch.skipReason()));
    QVERIFY2(scratch.isReady(), qPrintable(scratch.error()));
    QString error;
    QVERIFY2(scratch.exec({ u"CREATE TYPE users AS (x integer)"_s }, &error), qPrintable(error));

    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    SchemaManager schema;
    const DbError result = schema.ensureSchema(db);
    QVERIFY(result.isError());
    QVERIFY2(result.message.contains(u"Creating the CRM schema"_s), qPrintable(result.message));
    QVERIFY(!db.inTransaction());
    QCOMPARE(SchemaManager::tables(db), QStringList());
}

QTEST_GUILESS_MAIN(TestSchemaManager)
#include "tst_schemamanager.moc"
