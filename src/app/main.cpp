#include "mainwindow.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("PipedriveSync"));
    QApplication::setApplicationName(QStringLiteral("pipedrive-sync"));
    QApplication::setApplicationDisplayName(QStringLiteral("Pipedrive Sync"));
    pds::MainWindow window;
    window.show();
    return app.exec();
}
