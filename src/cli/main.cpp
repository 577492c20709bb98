#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("PipedriveSync"));
    QCoreApplication::setApplicationName(QStringLiteral("pipedrive-sync"));
    return 0;
}
