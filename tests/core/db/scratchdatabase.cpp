#include "scratchdatabase.h"

#include "db/sqlscript.h"

#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace pds::test {

namespace {

// A plain Qt connection, independent of pds::Database, removed again when it goes.
class PlainConnection
{
public:
    explicit PlainConnection(const DatabaseConfig &config)
        : m_name(u"scratch-"_s + QUuid::createUuid().toString(QUuid::Id128))
    {
        QSqlDatabase db
            = QSqlDatabase::addDatabase(config.isSqlite() ? u"QSQLITE"_s : u"QPSQL"_s, m_name);
        if (config.isSqlite()) {
            db.setDatabaseName(config.sqlitePath);
        } else {
            db.setHostName(config.host);
            db.setPort(config.port);
            db.setUserName(config.user);
            db.setPassword(config.password);
            db.setDatabaseName(config.databaseName);
            db.setConnectOptions(u"connect_timeout=10"_s);
        }
        if (!db.open())
            m_error = db.lastError().text();
    }
    ~PlainConnection() { QSqlDatabase::removeDatabase(m_name); }
    PlainConnection(const PlainConnection &) = delete;
    PlainConnection &operator=(const PlainConnection &) = delete;

    bool isOpen() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }

    bool exec(const QString &sql, QString *error)
    {
        QSqlQuery query(db());
        if (query.exec(sql))
            return true;
        if (error)
            *error = sql.left(200) + u": "_s + query.lastError().text();
        return false;
    }

    QStringList column(const QString &sql, QString *error)
    {
        QStringList values;
        QSqlQuery query(db());
        if (!query.exec(sql)) {
            if (error)
                *error = sql.left(200) + u": "_s + query.lastError().text();
            return values;
        }
        while (query.next())
            values << query.value(0).toString();
        return values;
    }

private:
    QString m_name;
    QString m_error;
};

DatabaseConfig adminConfig(const DatabaseConfig &server)
{
    DatabaseConfig admin = server;
    admin.databaseName = u"postgres"_s;
    return admin;
}

QString toolPath(const QString &name)
{
    const QString pgbin = qEnvironmentVariable("PDS_TEST_PGBIN");
    if (!pgbin.isEmpty() && name == "psql"_L1 && QFile::exists(pgbin + "/psql"_L1))
        return pgbin + "/psql"_L1;
    return QStandardPaths::findExecutable(name);
}

} // namespace

void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << u"sqlite"_s;
    QTest::newRow("postgresql") << u"postgresql"_s;
}

std::optional<DatabaseConfig> ScratchDatabase::postgresServer(QString *why)
{
    const QString host = qEnvironmentVariable("PDS_TEST_PG_HOST");
    const QString port = qEnvironmentVariable("PDS_TEST_PG_PORT");
    if (host.isEmpty() || port.isEmpty()) {
        if (why) {
            *why = u"PDS_TEST_PG_HOST/PDS_TEST_PG_PORT/PDS_TEST_PG_USER are not set: the "
                   "PostgreSQL cases need a throwaway server (scripts/test.sh starts one)."_s;
        }
        return std::nullopt;
    }
    if (!QSqlDatabase::isDriverAvailable(u"QPSQL"_s)) {
        if (why)
            *why = u"Qt's QPSQL driver is not installed (libqt6sql6-psql)."_s;
        return std::nullopt;
    }
    DatabaseConfig config;
    config.kind = DatabaseConfig::Kind::Postgres;
    config.host = host;
    config.port = port.toInt();
    config.user = qEnvironmentVariable("PDS_TEST_PG_USER", u"postgres"_s);
    config.sslMode = DatabaseConfig::SslMode::Disable;
    return config;
}

ScratchDatabase::ScratchDatabase(const QString &backend)
{
    if (backend == "sqlite"_L1) {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid()) {
            m_error = u"cannot create a temporary folder"_s;
            return;
        }
        m_config = DatabaseConfig::sqlite(m_dir->filePath(u"crm.sqlite3"_s));
        m_ready = true;
        return;
    }
    const auto server = postgresServer(&m_skipReason);
    if (!server)
        return;
    m_config = *server;
    m_config.databaseName
        = u"pds_test_"_s + QUuid::createUuid().toString(QUuid::Id128).left(16).toLower();
    PlainConnection admin(adminConfig(m_config));
    if (!admin.isOpen()) {
        m_error = u"cannot reach the test server: "_s + admin.error();
        return;
    }
    // The name is made here from hex digits, never from input.
    if (!admin.exec(u"CREATE DATABASE \"%1\""_s.arg(m_config.databaseName), &m_error))
        return;
    m_ready = true;
}

ScratchDatabase::~ScratchDatabase()
{
    if (!m_ready || !m_config.isPostgres())
        return;
    PlainConnection admin(adminConfig(m_config));
    QString error;
    if (!admin.isOpen()
        || !admin.exec(
            u"DROP DATABASE IF EXISTS \"%1\" WITH (FORCE)"_s.arg(m_config.databaseName), &error))
        qWarning("could not drop %s: %s", qPrintable(m_config.databaseName), qPrintable(error));
}

QString ScratchDatabase::directory() const
{
    return m_dir ? m_dir->path() : QString();
}

bool ScratchDatabase::loadScript(const QString &path, QString *error)
{
    const QString tool = toolPath(m_config.isSqlite() ? u"sqlite3"_s : u"psql"_s);
    if (!tool.isEmpty()) {
        QProcess process;
        QStringList arguments;
        if (m_config.isSqlite()) {
            arguments << u"-bail"_s << m_config.sqlitePath;
            process.setStandardInputFile(path);
        } else {
            arguments << u"-X"_s << u"-q"_s << u"-v"_s << u"ON_ERROR_STOP=1"_s << u"-h"_s
                      << m_config.host << u"-p"_s << QString::number(m_config.port) << u"-U"_s
                      << m_config.user << u"-d"_s << m_config.databaseName << u"-f"_s << path;
        }
        process.start(tool, arguments);
        const bool finished = process.waitForFinished(120000);
        const QString stderrText = QString::fromLocal8Bit(process.readAllStandardError()).trimmed();
        if (!finished || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0
            || !stderrText.isEmpty()) {
            if (error)
                *error = u"%1 failed: %2"_s.arg(tool, stderrText);
            return false;
        }
        return true;
    }
    qInfo("%s not installed: loading %s statement by statement",
        m_config.isSqlite() ? "sqlite3" : "psql", qPrintable(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = u"cannot read "_s + path;
        return false;
    }
    return exec(splitSqlStatements(QString::fromUtf8(file.readAll())), error);
}

bool ScratchDatabase::exec(const QStringList &statements, QString *error)
{
    PlainConnection connection(m_config);
    if (!connection.isOpen()) {
        if (error)
            *error = connection.error();
        return false;
    }
    for (const QString &statement : statements) {
        if (!connection.exec(statement, error))
            return false;
    }
    return true;
}

QStringList ScratchDatabase::queryColumn(const QString &sql, QString *error)
{
    PlainConnection connection(m_config);
    if (!connection.isOpen()) {
        if (error)
            *error = connection.error();
        return {};
    }
    return connection.column(sql, error);
}

QStringList ScratchDatabase::schemaSnapshot(QString *error)
{
    PlainConnection connection(m_config);
    if (!connection.isOpen()) {
        if (error)
            *error = connection.error();
        return {};
    }
    QStringList lines;
    QString failure;
    if (m_config.isSqlite()) {
        lines << connection.column(
            u"SELECT 'obj|' || type || '|' || name || '|' || tbl_name || '|' || coalesce(sql, '') "
            "FROM sqlite_master WHERE tbl_name NOT LIKE 'pipedrive_sync_%' AND name NOT LIKE "
            "'sqlite_%'"_s,
            &failure);
        const QStringList tables = connection.column(
            u"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
            "'pipedrive_sync_%' AND name NOT LIKE 'sqlite_%'"_s,
            &failure);
        for (const QString &table : tables) {
            // Table names come from sqlite_master of a test database, quoted as literals.
            const QString literal = u'\'' + QString(table).replace(u'\'', "''"_L1) + u'\'';
            lines << connection.column(
                u"SELECT 'col|' || %1 || '|' || cid || '|' || name || '|' || type || '|' || "
                "\"notnull\" || '|' || coalesce(dflt_value, '') || '|' || pk FROM "
                "pragma_table_info(%1)"_s.arg(literal),
                &failure);
            lines << connection.column(
                u"SELECT 'idx|' || %1 || '|' || name || '|' || \"unique\" || '|' || origin || "
                "'|' || partial FROM pragma_index_list(%1)"_s.arg(literal),
                &failure);
            lines << connection.column(
                u"SELECT 'fk|' || %1 || '|' || id || '|' || seq || '|' || \"table\" || '|' || "
                "\"from\" || '|' || \"to\" || '|' || on_update || '|' || on_delete FROM "
                "pragma_foreign_key_list(%1)"_s.arg(literal),
                &failure);
        }
    } else {
        const QString notOurs = u"NOT LIKE 'pipedrive\\_sync\\_%'"_s;
        lines << connection.column(
            u"SELECT 'tab|' || table_name || '|' || table_type FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name %1"_s.arg(notOurs),
            &failure);
        lines << connection.column(
            u"SELECT 'col|' || table_name || '|' || ordinal_position || '|' || column_name || '|' "
            "|| data_type || '|' || is_nullable || '|' || coalesce(column_default, '') || '|' || "
            "coalesce(character_maximum_length::text, '') || '|' || "
            "coalesce(numeric_precision::text, '') || '|' || coalesce(numeric_scale::text, '') || "
            "'|' || coalesce(datetime_precision::text, '') FROM information_schema.columns WHERE "
            "table_schema = current_schema() AND table_name %1"_s.arg(notOurs),
            &failure);
        lines << connection.column(
            u"SELECT 'idx|' || tablename || '|' || indexname || '|' || indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename %1"_s.arg(notOurs),
            &failure);
        lines << connection.column(
            u"SELECT 'con|' || rel.relname || '|' || c.conname || '|' || c.contype::text || '|' || "
            "pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class rel ON rel.oid = "
            "c.conrelid JOIN pg_namespace n ON n.oid = rel.relnamespace WHERE n.nspname = "
            "current_schema() AND rel.relname %1"_s.arg(notOurs),
            &failure);
        lines << connection.column(
            u"SELECT 'seq|' || sequence_name || '|' || data_type FROM information_schema.sequences "
            "WHERE sequence_schema = current_schema() AND sequence_name %1"_s.arg(notOurs),
            &failure);
    }
    if (!failure.isEmpty()) {
        if (error)
            *error = failure;
        return {};
    }
    lines.sort();
    return lines;
}

} // namespace pds::test
