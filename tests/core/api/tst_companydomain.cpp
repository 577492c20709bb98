#include "api/companydomain.h"

#include <QtTest>

class TestCompanyDomain : public QObject
{
    Q_OBJECT
private slots:
    void acceptsWhatUsersType_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("bare name") << "acme"
                                   << "https://acme.pipedrive.com";
        QTest::newRow("bare name, spaces and case") << "  AcMe "
                                                    << "https://acme.pipedrive.com";
        QTest::newRow("host") << "acme.pipedrive.com"
                              << "https://acme.pipedrive.com";
        QTest::newRow("https url") << "https://acme.pipedrive.com"
                                   << "https://acme.pipedrive.com";
        QTest::newRow("https url with path") << "https://acme.pipedrive.com/api/v1/"
                                             << "https://acme.pipedrive.com";
        QTest::newRow("hyphenated") << "my-company"
                                    << "https://my-company.pipedrive.com";
        QTest::newRow("loopback http") << "http://127.0.0.1:8080"
                                       << "http://127.0.0.1:8080";
        QTest::newRow("localhost http") << "http://localhost:9"
                                        << "http://localhost:9";
        QTest::newRow("ipv6 loopback http") << "http://[::1]:8080"
                                            << "http://[::1]:8080";
    }
    void acceptsWhatUsersType()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QString error;
        const QUrl url = pds::baseUrlForCompany(input, &error);
        QVERIFY2(url.isValid(), qPrintable(error));
        QCOMPARE(url.toString(), expected);
    }

    void refusesWithAReason_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("mustMention");
        QTest::newRow("empty") << "   "
                               << "No Pipedrive company domain";
        QTest::newRow("plain http to the internet") << "http://acme.pipedrive.com"
                                                    << "http";
        QTest::newRow("plain http to a private address") << "http://10.0.0.5"
                                                         << "http";
        QTest::newRow("ftp") << "ftp://acme.pipedrive.com"
                             << "scheme";
        QTest::newRow("credentials in url") << "https://user:pw@acme.pipedrive.com"
                                            << "password";
        QTest::newRow("query") << "https://acme.pipedrive.com/?api_token=abc"
                               << "query";
        QTest::newRow("garbage") << "acme pipedrive"
                                 << "not a company domain";
    }
    void refusesWithAReason()
    {
        QFETCH(QString, input);
        QFETCH(QString, mustMention);
        QString error;
        const QUrl url = pds::baseUrlForCompany(input, &error);
        QVERIFY(!url.isValid());
        QVERIFY2(error.contains(mustMention, Qt::CaseInsensitive), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestCompanyDomain)
#include "tst_companydomain.moc"
