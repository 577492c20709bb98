#include "db/databaseconfig.h"

#include <QDir>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;
using pds::DatabaseConfig;

class TestDatabaseConfig : public QObject
{
    Q_OBJECT

private slots:
    void parsesSqliteUrls_data();
    void parsesSqliteUrls();
    void parsesPostgresUrls_data();
    void parsesPostgresUrls();
    void refusesBadUrlsWithAClearMessage_data();
    void refusesBadUrlsWithAClearMessage();
    void neverShowsThePassword();
    void displayUrlParsesBackToTheSameConfig_data();
    void displayUrlParsesBackToTheSameConfig();
    void takesThePasswordFromPgpasswordWhenUnset();
    void defaultsToCrmSqlite3InTheAppDataFolder();
    void namesEverySslMode();
};

void TestDatabaseConfig::parsesSqliteUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("path");

    QTest::newRow("relative") << u"sqlite:crm.db"_s << u"crm.db"_s;
    QTest::newRow("absolute") << u"sqlite:/var/lib/crm.sqlite3"_s << u"/var/lib/crm.sqlite3"_s;
    QTest::newRow("three slashes")
        << u"sqlite:///var/lib/crm.sqlite3"_s << u"/var/lib/crm.sqlite3"_s;
    QTest::newRow("localhost") << u"sqlite://localhost/srv/crm.db"_s << u"/srv/crm.db"_s;
    QTest::newRow("sqlite3 scheme")
        << u"sqlite3:db/production.sqlite3"_s << u"db/production.sqlite3"_s;
    QTest::newRow("upper-case scheme") << u"SQLite:/a/b.db"_s << u"/a/b.db"_s;
    QTest::newRow("blanks around") << u"  sqlite:/a/b.db \n"_s << u"/a/b.db"_s;
    QTest::newRow("spaces in the path") << u"sqlite:/a dir/my crm.db"_s << u"/a dir/my crm.db"_s;
    QTest::newRow("home") << u"sqlite:~/crm.db"_s << QDir::homePath() + u"/crm.db"_s;
}

void TestDatabaseConfig::parsesSqliteUrls()
{
    QFETCH(QString, url);
    QFETCH(QString, path);
    QString error;
    const auto config = DatabaseConfig::fromUrl(url, &error);
    QVERIFY2(config.has_value(), qPrintable(error));
    QVERIFY(config->isSqlite());
    QCOMPARE(config->sqlitePath, path);
    QCOMPARE(config->busyTimeoutMs, DatabaseConfig::DefaultBusyTimeoutMs);
}

void TestDatabaseConfig::parsesPostgresUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("sslMode");

    QTest::newRow("full") << u"postgresql://crm:secret@db.example.com:6543/crm_production"_s
                          << u"crm"_s << u"secret"_s << u"db.example.com"_s << 6543
                          << u"crm_production"_s << u"prefer"_s;
    QTest::newRow("default port") << u"postgresql://crm@localhost/crm"_s << u"crm"_s << QString()
                                  << u"localhost"_s << 5432 << u"crm"_s << u"prefer"_s;
    QTest::newRow("postgres scheme") << u"postgres://u:p@h:5433/d"_s << u"u"_s << u"p"_s << u"h"_s
                                     << 5433 << u"d"_s << u"prefer"_s;
    QTest::newRow("sslmode") << u"postgresql://u@h/d?sslmode=verify-full"_s << u"u"_s << QString()
                             << u"h"_s << 5432 << u"d"_s << u"verify-full"_s;
    QTest::newRow("sslmode require") << u"postgresql://u@h:1/d?sslmode=require"_s << u"u"_s
                                     << QString() << u"h"_s << 1 << u"d"_s << u"require"_s;
    QTest::newRow("percent-encoded")
        << u"postgresql://us%40er:p%3Aw%2Fd%40@h/my%20db"_s << u"us@er"_s << u"p:w/d@"_s << u"h"_s
        << 5432 << u"my db"_s << u"prefer"_s;
    QTest::newRow("ipv6") << u"postgresql://u@[::1]:5432/d"_s << u"u"_s << QString() << u"::1"_s
                          << 5432 << u"d"_s << u"prefer"_s;
    QTest::newRow("no user") << u"postgresql://h/d"_s << QString() << QString() << u"h"_s << 5432
                             << u"d"_s << u"prefer"_s;
    QTest::newRow("socket folder")
        << u"postgresql:///crm?host=/var/run/postgresql"_s << QString() << QString()
        << u"/var/run/postgresql"_s << 5432 << u"crm"_s << u"prefer"_s;
}

void TestDatabaseConfig::parsesPostgresUrls()
{
    QFETCH(QString, url);
    QString error;
    const auto config = DatabaseConfig::fromUrl(url, &error);
    QVERIFY2(config.has_value(), qPrintable(error));
    QVERIFY(config->isPostgres());
    QTEST(config->user, "user");
    QTEST(config->password, "password");
    QTEST(config->host, "host");
    QTEST(config->port, "port");
    QTEST(config->databaseName, "database");
    QTEST(DatabaseConfig::sslModeName(config->sslMode), "sslMode");
}

void TestDatabaseConfig::refusesBadUrlsWithAClearMessage_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected"); // a part of the message

    QTest::newRow("empty") << QString() << u"No database URL"_s;
    QTest::newRow("no scheme") << u"/var/lib/crm.db"_s << u"no scheme"_s;
    QTest::newRow("mysql") << u"mysql://u@h/d"_s << u"Unsupported database type \"mysql\""_s;
    QTest::newRow("http") << u"http://example.com"_s << u"Unsupported database type"_s;
    QTest::newRow("sqlite without path") << u"sqlite:"_s << u"names no file"_s;
    QTest::newRow("sqlite two slashes") << u"sqlite://relative/path.db"_s << u"three slashes"_s;
    QTest::newRow("postgres without slashes") << u"postgresql:crm"_s << u"postgresql://"_s;
    QTest::newRow("postgres without database")
        << u"postgresql://u@h:5432"_s << u"names no database"_s;
    QTest::newRow("postgres with slash only")
        << u"postgresql://u@h:5432/"_s << u"names no database"_s;
    QTest::newRow("postgres nested path") << u"postgresql://u@h/a/b"_s << u"just the database"_s;
    QTest::newRow("bad port") << u"postgresql://u@h:abc/d"_s << u"malformed"_s;
    QTest::newRow("port too big") << u"postgresql://u@h:70000/d"_s << u"malformed"_s;
    QTest::newRow("port zero") << u"postgresql://u@h:0/d"_s << u"port 0"_s;
    QTest::newRow("bad sslmode") << u"postgresql://u@h/d?sslmode=maybe"_s
                                 << u"Unknown sslmode \"maybe\""_s;
    QTest::newRow("unknown parameter")
        << u"postgresql://u@h/d?foo=bar"_s << u"Unsupported parameter \"foo\""_s;
    QTest::newRow("bad timeout") << u"postgresql://u@h/d?connect_timeout=soon"_s
                                 << u"connect_timeout"_s;
}

void TestDatabaseConfig::refusesBadUrlsWithAClearMessage()
{
    QFETCH(QString, url);
    QFETCH(QString, expected);
    QString error;
    const auto config = DatabaseConfig::fromUrl(url, &error);
    QVERIFY(!config.has_value());
    QVERIFY2(error.contains(expected), qPrintable(error));
}

void TestDatabaseConfig::neverShowsThePassword()
{
    const QString secret = u"s3cr3t-pa55"_s;
    const auto config
        = DatabaseConfig::fromUrl(u"postgresql://crm:%1@db.example.com/crm"_s.arg(secret));
    QVERIFY(config.has_value());
    QCOMPARE(config->password, secret);
    QVERIFY(!config->displayUrl().contains(secret));
    QCOMPARE(config->displayUrl(), u"postgresql://crm@db.example.com:5432/crm"_s);

    // Error messages quote at most the scheme: the rest of a bad URL may hold a password.
    for (const QString &bad :
        { u"mysql://crm:%1@h/d"_s.arg(secret), u"postgresql://crm:%1@h:99999/d"_s.arg(secret),
            u"postgresql://crm:%1@h/"_s.arg(secret) }) {
        QString error;
        QVERIFY(!DatabaseConfig::fromUrl(bad, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY2(!error.contains(secret), qPrintable(error));
    }
}

void TestDatabaseConfig::displayUrlParsesBackToTheSameConfig_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("sqlite") << u"sqlite:/srv/crm db.sqlite3"_s;
    QTest::newRow("postgres") << u"postgresql://crm:pw@db.example.com:6543/crm_production"_s;
    QTest::newRow("odd names") << u"postgresql://us%40er@h/my%20db?sslmode=verify-ca"_s;
    QTest::newRow("ipv6") << u"postgresql://u@[::1]:5433/d?connect_timeout=3"_s;
    QTest::newRow("socket") << u"postgresql://u@/d?host=/var/run/postgresql"_s;
}

void TestDatabaseConfig::displayUrlParsesBackToTheSameConfig()
{
    QFETCH(QString, url);
    auto config = DatabaseConfig::fromUrl(url);
    QVERIFY(config.has_value());
    QString error;
    const auto again = DatabaseConfig::fromUrl(config->displayUrl(), &error);
    QVERIFY2(again.has_value(), qPrintable(config->displayUrl() + u": "_s + error));
    config->password.clear(); // the display form drops it on purpose
    QVERIFY2(*again == *config, qPrintable(config->displayUrl()));
}

void TestDatabaseConfig::takesThePasswordFromPgpasswordWhenUnset()
{
    const QByteArray saved = qgetenv("PGPASSWORD");
    qputenv("PGPASSWORD", "from-env");
    const auto without = DatabaseConfig::fromUrl(u"postgresql://u@h/d"_s);
    const auto with = DatabaseConfig::fromUrl(u"postgresql://u:given@h/d"_s);
    QCOMPARE(without->effectivePassword(), u"from-env"_s);
    QCOMPARE(with->effectivePassword(), u"given"_s);
    qunsetenv("PGPASSWORD");
    QCOMPARE(without->effectivePassword(), QString());
    if (!saved.isNull())
        qputenv("PGPASSWORD", saved);
}

void TestDatabaseConfig::defaultsToCrmSqlite3InTheAppDataFolder()
{
    const DatabaseConfig config = DatabaseConfig::defaultConfig();
    QVERIFY(config.isSqlite());
    QCOMPARE(config.sqlitePath,
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/crm.sqlite3"_s);
}

void TestDatabaseConfig::namesEverySslMode()
{
    using Mode = DatabaseConfig::SslMode;
    for (const Mode mode : { Mode::Disable, Mode::Allow, Mode::Prefer, Mode::Require,
             Mode::VerifyCa, Mode::VerifyFull })
        QCOMPARE(DatabaseConfig::sslModeFromName(DatabaseConfig::sslModeName(mode)), mode);
    QCOMPARE(DatabaseConfig::sslModeName(Mode::VerifyCa), u"verify-ca"_s);
    QVERIFY(!DatabaseConfig::sslModeFromName(u"strict"_s));
}

QTEST_GUILESS_MAIN(TestDatabaseConfig)
#include "tst_databaseconfig.moc"
