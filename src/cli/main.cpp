#include "cli.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("PipedriveSync"));
    QCoreApplication::setApplicationName(QStringLiteral("pipedrive-sync"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PDS_VERSION));
    pds::Cli cli;
    QObject::connect(&cli, &pds::Cli::exitRequested, &app, &QCoreApplication::exit);
    cli.start(QCoreApplication::arguments());
    return app.exec();
}
