// The app's log file: messages of every category land in it, one line each, with secrets masked;
// a full file moves aside.

#include "logfile.h"

#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTest, "pds.test")

class TestLogFile : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { pds::uninstallLogFile(); }

    void messagesGoToTheFileWithTheirCategory()
    {
        QTemporaryDir dir;
        const QString path = pds::installLogFile(dir.path());
        QCOMPARE(path, dir.filePath(u"pipedrive-sync.log"_s));
        qCWarning(lcTest) << "a warning for the file";
        qCInfo(lcTest) << "an info line";
        pds::uninstallLogFile();
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        QVERIFY2(text.contains(u"warning pds.test: a warning for the file"_s), qPrintable(text));
        QVERIFY2(text.contains(u"info pds.test: an info line"_s), qPrintable(text));
        QCOMPARE(text.count(u'\n'), 2);
    }

    void secretsAreMasked_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("secret");
        QTest::newRow("query") << u"GET https://x.pipedrive.com/v1/users?api_token=abc123&start=0"_s
                               << u"abc123"_s;
        QTest::newRow("header") << u"x-api-token: s3cr3t-tok"_s << u"s3cr3t-tok"_s;
        QTest::newRow("environment") << u"PIPEDRIVE_API_TOKEN=tok999 set"_s << u"tok999"_s;
        QTest::newRow("url password") << u"postgresql://crm:hunter2@db:5432/crm"_s << u"hunter2"_s;
        QTest::newRow("pgpassword") << u"PGPASSWORD=pw-42"_s << u"pw-42"_s;
    }

    void secretsAreMasked()
    {
        QFETCH(QString, text);
        QFETCH(QString, secret);
        const QString masked = pds::redactSecrets(text);
        QVERIFY2(!masked.contains(secret), qPrintable(masked));
        QVERIFY2(masked.contains(u"***"_s), qPrintable(masked));
        QTemporaryDir dir;
        const QString path = pds::installLogFile(dir.path());
        qCWarning(lcTest).noquote() << text;
        pds::uninstallLogFile();
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains(secret.toUtf8()));
    }

    void ordinaryTextIsKept()
    {
        const QString text
            = u"users: page 3, 500 records at 12:30 (https://x.pipedrive.com/v1/users)"_s;
        QCOMPARE(pds::redactSecrets(text), text);
    }

    void fullFileMovesAside()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"pipedrive-sync.log"_s);
        {
            QFile full(path);
            QVERIFY(full.open(QIODevice::WriteOnly));
            full.write(QByteArray(pds::LogFileMaxBytes, 'x'));
        }
        QCOMPARE(pds::installLogFile(dir.path()), path);
        qCWarning(lcTest) << "fresh";
        pds::uninstallLogFile();
        QCOMPARE(QFileInfo(path + u".1"_s).size(), pds::LogFileMaxBytes);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("fresh"));
    }
};

QTEST_GUILESS_MAIN(TestLogFile)
#include "tst_logfile.moc"
