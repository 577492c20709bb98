#include "logfile.h"
#include "mainwindow.h"
#include "translations.h"

#include <QApplication>
#include <QIcon>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("PipedriveSync"));
    QApplication::setApplicationName(QStringLiteral("pipedrive-sync"));
    QApplication::setApplicationVersion(QStringLiteral(PDS_VERSION));
    // The installed .desktop file's name (packaging/): docks and Wayland match the window to it.
    QGuiApplication::setDesktopFileName(QStringLiteral("com.wendellcrm.PipedriveSync"));
    pds::installLogFile();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/pipedrive-sync.svg")));
    pds::installTranslations();
    QApplication::setApplicationDisplayName(QApplication::translate("main", "Pipedrive Sync"));
    pds::MainWindow window;
    window.show();
    window.start();
    return app.exec();
}
