#include "db/dberror.h"

#include <QSqlError>
#include <QTest>

using namespace Qt::StringLiterals;
using pds::DatabaseConfig;
using pds::DbError;

Q_DECLARE_METATYPE(DbError::Kind)

class TestDbError : public QObject
{
    Q_OBJECT

private slots:
    void mapsSqliteResultCodes_data();
    void mapsSqliteResultCodes();
    void mapsPostgresSqlStates_data();
    void mapsPostgresSqlStates();
    void classifiesPostgresConnectionFailuresByText_data();
    void classifiesPostgresConnectionFailuresByText();
    void messagesNameTheDatabaseButNeverThePassword();
    void noErrorMapsToNone();

private:
    static DatabaseConfig postgres()
    {
        DatabaseConfig config;
        config.kind = DatabaseConfig::Kind::Postgres;
        config.host = u"db.example.com"_s;
        config.port = 6543;
        config.databaseName = u"crm_production"_s;
        config.user = u"crm"_s;
        config.password = u"hunter2-secret"_s;
        return config;
    }
};

void TestDbError::mapsSqliteResultCodes_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<DbError::Kind>("kind");
    QTest::newRow("SQLITE_BUSY") << u"5"_s << DbError::Kind::Locked;
    QTest::newRow("SQLITE_LOCKED") << u"6"_s << DbError::Kind::Locked;
    QTest::newRow("SQLITE_BUSY_SNAPSHOT (extended)") << u"517"_s << DbError::Kind::Locked;
    QTest::newRow("SQLITE_READONLY") << u"8"_s << DbError::Kind::ReadOnly;
    QTest::newRow("SQLITE_READONLY_DBMOVED (extended)") << u"1032"_s << DbError::Kind::ReadOnly;
    QTest::newRow("SQLITE_FULL") << u"13"_s << DbError::Kind::DiskFull;
    QTest::newRow("SQLITE_CONSTRAINT") << u"19"_s << DbError::Kind::Constraint;
    QTest::newRow("SQLITE_CONSTRAINT_UNIQUE") << u"2067"_s << DbError::Kind::Constraint;
    QTest::newRow("SQLITE_CONSTRAINT_FOREIGNKEY") << u"787"_s << DbError::Kind::Constraint;
    QTest::newRow("SQLITE_CANTOPEN") << u"14"_s << DbError::Kind::Unreachable;
    QTest::newRow("SQLITE_NOTADB") << u"26"_s << DbError::Kind::NotACrmDatabase;
    QTest::newRow("SQLITE_ERROR") << u"1"_s << DbError::Kind::Other;
    QTest::newRow("no code") << QString() << DbError::Kind::Other;
}

void TestDbError::mapsSqliteResultCodes()
{
    QFETCH(QString, code);
    QFETCH(DbError::Kind, kind);
    const QSqlError error(
        u"Unable to fetch row"_s, u"some text"_s, QSqlError::StatementError, code);
    const DbError mapped
        = DbError::fromSqlError(error, DatabaseConfig::sqlite(u"/data/crm.sqlite3"_s));
    QCOMPARE(mapped.kind, kind);
    QCOMPARE(mapped.nativeCode, code);
    QVERIFY(!mapped.message.isEmpty());
}

void TestDbError::mapsPostgresSqlStates_data()
{
    QTest::addColumn<QString>("state");
    QTest::addColumn<DbError::Kind>("kind");
    QTest::newRow("unique_violation") << u"23505"_s << DbError::Kind::Constraint;
    QTest::newRow("foreign_key_violation") << u"23503"_s << DbError::Kind::Constraint;
    QTest::newRow("not_null_violation") << u"23502"_s << DbError::Kind::Constraint;
    QTest::newRow("connection_failure") << u"08006"_s << DbError::Kind::Unreachable;
    QTest::newRow("connection_exception") << u"08000"_s << DbError::Kind::Unreachable;
    QTest::newRow("admin_shutdown") << u"57P01"_s << DbError::Kind::Unreachable;
    QTest::newRow("invalid_password") << u"28P01"_s << DbError::Kind::AuthenticationFailed;
    QTest::newRow("invalid_authorization") << u"28000"_s << DbError::Kind::AuthenticationFailed;
    QTest::newRow("invalid_catalog_name") << u"3D000"_s << DbError::Kind::NoSuchDatabase;
    QTest::newRow("disk_full") << u"53100"_s << DbError::Kind::DiskFull;
    QTest::newRow("read_only_sql_transaction") << u"25006"_s << DbError::Kind::ReadOnly;
    QTest::newRow("lock_not_available") << u"55P03"_s << DbError::Kind::Locked;
    QTest::newRow("deadlock_detected") << u"40P01"_s << DbError::Kind::Locked;
    QTest::newRow("serialization_failure") << u"40001"_s << DbError::Kind::Locked;
    QTest::newRow("syntax_error") << u"42601"_s << DbError::Kind::Other;
}

void TestDbError::mapsPostgresSqlStates()
{
    QFETCH(QString, state);
    QFETCH(DbError::Kind, kind);
    const QSqlError error(u"QPSQL: Unable to create query"_s, u"ERROR: something"_s,
        QSqlError::StatementError, state);
    QCOMPARE(DbError::fromSqlError(error, postgres()).kind, kind);
}

void TestDbError::classifiesPostgresConnectionFailuresByText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<DbError::Kind>("kind");
    QTest::newRow("refused") << u"connection to server at \"127.0.0.1\", port 1 failed: Connection "
                                "refused\n\tIs the server running on that host and accepting "
                                "TCP/IP connections?"_s
                             << DbError::Kind::Unreachable;
    QTest::newRow("unknown host")
        << u"could not translate host name \"nowhere.invalid\" to address: Name or service not "
           "known"_s
        << DbError::Kind::Unreachable;
    QTest::newRow("timeout") << u"timeout expired"_s << DbError::Kind::Unreachable;
    QTest::newRow("no database") << u"connection to server at \"127.0.0.1\", port 5432 failed: "
                                    "FATAL:  database \"crm\" does not exist"_s
                                 << DbError::Kind::NoSuchDatabase;
    QTest::newRow("bad password") << u"FATAL:  password authentication failed for user \"crm\""_s
                                  << DbError::Kind::AuthenticationFailed;
    QTest::newRow("no role") << u"FATAL:  role \"crm\" does not exist"_s
                             << DbError::Kind::AuthenticationFailed;
    QTest::newRow("no password") << u"fe_sendauth: no password supplied"_s
                                 << DbError::Kind::AuthenticationFailed;
    QTest::newRow("hba") << u"FATAL:  no pg_hba.conf entry for host \"10.0.0.1\""_s
                         << DbError::Kind::AuthenticationFailed;
    QTest::newRow("ssl") << u"server does not support SSL, but SSL was required"_s
                         << DbError::Kind::Unreachable;
}

void TestDbError::classifiesPostgresConnectionFailuresByText()
{
    QFETCH(QString, text);
    QFETCH(DbError::Kind, kind);
    const QSqlError error(u"QPSQL: Unable to connect"_s, text, QSqlError::ConnectionError);
    const DbError mapped = DbError::fromSqlError(error, postgres());
    QCOMPARE(mapped.kind, kind);
    QVERIFY(mapped.toString().contains(text.trimmed().section(u'\n', 0, 0)));
}

void TestDbError::messagesNameTheDatabaseButNeverThePassword()
{
    const DatabaseConfig config = postgres();
    const QSqlError noDatabase(u"QPSQL: Unable to connect"_s,
        u"FATAL:  database \"crm_production\" does not exist"_s, QSqlError::ConnectionError);
    const DbError mapped = DbError::fromSqlError(noDatabase, config);
    QVERIFY2(mapped.message.contains(u"\"crm_production\""_s), qPrintable(mapped.message));
    QVERIFY2(mapped.message.contains(u"db.example.com:6543"_s), qPrintable(mapped.message));
    QVERIFY2(mapped.message.contains(u"createdb"_s), qPrintable(mapped.message));

    const QSqlError refused(
        u"QPSQL: Unable to connect"_s, u"Connection refused"_s, QSqlError::ConnectionError);
    const QSqlError auth(u"QPSQL: Unable to connect"_s,
        u"FATAL:  password authentication failed for user \"crm\""_s, QSqlError::ConnectionError);
    for (const QSqlError &error : { noDatabase, refused, auth }) {
        const DbError each = DbError::fromSqlError(error, config);
        QVERIFY(!each.toString().contains(config.password));
        QVERIFY(!each.message.isEmpty());
    }
    QVERIFY(DbError::fromSqlError(auth, config).message.contains(u"\"crm\""_s));
}

void TestDbError::noErrorMapsToNone()
{
    const DbError mapped = DbError::fromSqlError(QSqlError(), postgres());
    QVERIFY(mapped.isOk());
    QCOMPARE(mapped.kind, DbError::Kind::None);
    QCOMPARE(DbError::kindName(DbError::Kind::NotACrmDatabase), u"not-a-crm-database"_s);
}

QTEST_GUILESS_MAIN(TestDbError)
#include "tst_dberror.moc"
