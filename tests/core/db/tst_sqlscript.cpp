#include "db/sqlscript.h"

#include <QFile>
#include <QTest>

using namespace Qt::StringLiterals;

class TestSqlScript : public QObject
{
    Q_OBJECT

private slots:
    void splitsAtTopLevelSemicolonsOnly_data();
    void splitsAtTopLevelSemicolonsOnly();
    void keepsStatementBodiesVerbatim();
    void splitsTheCrmReferenceScripts_data();
    void splitsTheCrmReferenceScripts();
};

void TestSqlScript::splitsAtTopLevelSemicolonsOnly_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<QStringList>("statements");

    QTest::newRow("empty") << QString() << QStringList();
    QTest::newRow("only comments and blanks") << u"  -- one;\n/* two; */\n;;\n"_s << QStringList();
    QTest::newRow("two statements")
        << u"SELECT 1; SELECT 2;"_s << QStringList { u"SELECT 1"_s, u"SELECT 2"_s };
    QTest::newRow("last without semicolon")
        << u"SELECT 1;\nSELECT 2\n"_s << QStringList { u"SELECT 1"_s, u"SELECT 2"_s };
    QTest::newRow("semicolon in a string")
        << u"INSERT INTO t VALUES ('a;b'); SELECT 2"_s
        << QStringList { u"INSERT INTO t VALUES ('a;b')"_s, u"SELECT 2"_s };
    QTest::newRow("doubled quote in a string")
        << u"SELECT 'it''s; fine'; SELECT 2"_s
        << QStringList { u"SELECT 'it''s; fine'"_s, u"SELECT 2"_s };
    QTest::newRow("backslash in a plain string")
        << u"SELECT 'a\\'; SELECT 2"_s << QStringList { u"SELECT 'a\\'"_s, u"SELECT 2"_s };
    QTest::newRow("escape string")
        << u"SELECT E'a\\';b'; SELECT 2"_s << QStringList { u"SELECT E'a\\';b'"_s, u"SELECT 2"_s };
    QTest::newRow("semicolon in an identifier")
        << u"CREATE TABLE \"a;b\" (x int); SELECT 2"_s
        << QStringList { u"CREATE TABLE \"a;b\" (x int)"_s, u"SELECT 2"_s };
    QTest::newRow("semicolon in a line comment")
        << u"SELECT 1 -- no; split\n, 2; SELECT 3"_s
        << QStringList { u"SELECT 1 -- no; split\n, 2"_s, u"SELECT 3"_s };
    QTest::newRow("nested block comment")
        << u"SELECT /* a /* b; */ c; */ 1; SELECT 2"_s
        << QStringList { u"SELECT /* a /* b; */ c; */ 1"_s, u"SELECT 2"_s };
    QTest::newRow("dollar quoting")
        << u"CREATE FUNCTION f() RETURNS int AS $$ BEGIN; RETURN 1; END $$ LANGUAGE sql; SELECT 2"_s
        << QStringList { u"CREATE FUNCTION f() RETURNS int AS $$ BEGIN; RETURN 1; END $$ "
                         "LANGUAGE sql"_s,
               u"SELECT 2"_s };
    QTest::newRow("tagged dollar quoting")
        << u"DO $body$ BEGIN PERFORM 'x;$$'; END $body$; SELECT 2"_s
        << QStringList { u"DO $body$ BEGIN PERFORM 'x;$$'; END $body$"_s, u"SELECT 2"_s };
    QTest::newRow("positional parameter is no dollar quote")
        << u"SELECT $1; SELECT 2"_s << QStringList { u"SELECT $1"_s, u"SELECT 2"_s };
    QTest::newRow("leading comments dropped")
        << u"-- heading\n/* note */\n  CREATE TABLE t (x int);"_s
        << QStringList { u"CREATE TABLE t (x int)"_s };
}

void TestSqlScript::splitsAtTopLevelSemicolonsOnly()
{
    QFETCH(QString, script);
    QTEST(pds::splitSqlStatements(script), "statements");
}

void TestSqlScript::keepsStatementBodiesVerbatim()
{
    const QString body = u"CREATE TABLE \"a\" (\"id\" integer, CONSTRAINT \"fk\"\nFOREIGN KEY "
                         "(\"id\")\n  REFERENCES \"b\" (\"id\")\n)"_s;
    const QStringList statements = pds::splitSqlStatements(u"-- x\n"_s + body + u";\n\n-- y\n"_s);
    QCOMPARE(statements, QStringList { body });
}

void TestSqlScript::splitsTheCrmReferenceScripts_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("creates");
    // sqlite.sql: 2 pragmas + 10 drops + 10 tables + 14 indexes + bookkeeping (2 create,
    // 2 delete, 3 insert).
    QTest::newRow("sqlite") << u"sqlite.sql"_s << 43 << 26;
    // postgresql.sql: set + extension + 10 drops + 10 tables + 14 indexes + 6 foreign keys +
    // bookkeeping (2 create, 2 delete, 3 insert).
    QTest::newRow("postgresql") << u"postgresql.sql"_s << 49 << 27;
}

void TestSqlScript::splitsTheCrmReferenceScripts()
{
    QFETCH(QString, file);
    QFile script(QStringLiteral(PDS_SHARED_DIR "/crm/") + file);
    QVERIFY(script.open(QIODevice::ReadOnly));
    const QStringList statements = pds::splitSqlStatements(QString::fromUtf8(script.readAll()));
    QTEST(int(statements.size()), "count");
    int creates = 0;
    for (const QString &statement : statements) {
        QVERIFY2(!statement.startsWith("--"_L1), qPrintable(statement));
        QVERIFY2(!statement.endsWith(u';'), qPrintable(statement));
        if (statement.startsWith("CREATE"_L1))
            ++creates;
    }
    QTEST(creates, "creates");
}

QTEST_GUILESS_MAIN(TestSqlScript)
#include "tst_sqlscript.moc"
