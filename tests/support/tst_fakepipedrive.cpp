#include "fakepipedrive.h"

#include <QtTest>

class TestFakePipedrive : public QObject
{
    Q_OBJECT
private slots:
    void listensOnLoopback()
    {
        pds::test::FakePipedriveServer server;
        QVERIFY(server.listen() != 0);
    }
};

QTEST_GUILESS_MAIN(TestFakePipedrive)
#include "tst_fakepipedrive.moc"
