#include "mainwindow.h"

#include <QLabel>
#include <QtTest>

class TestMainWindow : public QObject
{
    Q_OBJECT
private slots:
    void opensWithConnectionLine()
    {
        pds::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *label = window.findChild<QLabel *>(QStringLiteral("connectionLabel"));
        QVERIFY(label);
        QVERIFY(!label->text().isEmpty());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
