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
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/pipedrive-sync.svg")));
    pds::installTranslations();
    QApplication::setApplicationDisplayName(QApplication::translate("main", "Pipedrive Sync"));
    pds::MainWindow window;
    window.show();
    window.start();
    return app.exec();
}
