#include <QProcess>
#include <QtTest>

#include <mimalloc.h>

// src/allocator/allocatortuning.cpp, linked into this test as into each program that allocates
// through mimalloc.
class TestAllocator : public QObject
{
    Q_OBJECT

private slots:
    // Emptied pages go back to the system after 5 ms (mimalloc's default: 25 ms), unless the
    // environment says otherwise.
    void emptiedPagesGoBackSooner()
    {
        const long expected = qEnvironmentVariableIsSet("MIMALLOC_DECOMMIT_DELAY")
            ? long(qEnvironmentVariableIntValue("MIMALLOC_DECOMMIT_DELAY"))
            : 5L;
        QCOMPARE(mi_option_get(mi_option_decommit_delay), expected);
    }

    void theEnvironmentStillDecides()
    {
        if (qEnvironmentVariableIsSet("MIMALLOC_DECOMMIT_DELAY"))
            QSKIP("the environment sets the delay already");
        QProcess child;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("MIMALLOC_DECOMMIT_DELAY"), QStringLiteral("40"));
        child.setProcessEnvironment(environment);
        child.start(QCoreApplication::applicationFilePath(),
            { QStringLiteral("emptiedPagesGoBackSooner") });
        QVERIFY(child.waitForFinished(30000));
        const QByteArray output = child.readAllStandardOutput();
        QVERIFY2(child.exitCode() == 0, output.constData());
        QVERIFY2(output.contains("PASS   : TestAllocator::emptiedPagesGoBackSooner()"),
            output.constData());
    }
};

QTEST_GUILESS_MAIN(TestAllocator)
#include "tst_allocator.moc"
