// fake-pipedrive: the fake Pipedrive server as a program, for manual runs, the CLI tests and the
// benchmark. Prints "listening http://127.0.0.1:PORT" once it accepts connections.

#include "fakepipedrive.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"fake-pipedrive"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"A fake Pipedrive REST API server with generated data."_s);
    parser.addHelpOption();
    const QCommandLineOption port(
        u"port"_s, u"Port to listen on (0 = any free port)."_s, u"N"_s, u"0"_s);
    const QCommandLineOption seed(u"seed"_s, u"Seed of the data generator."_s, u"S"_s, u"42"_s);
    const QCommandLineOption records(u"records"_s,
        u"Total records, split 1:40:300:150:400:100 over users, "
        "organizations, persons, deals, activities, notes."_s,
        u"N"_s, u"10000"_s);
    const QCommandLineOption users(u"users"_s, u"Number of users."_s, u"N"_s);
    const QCommandLineOption organizations(
        u"organizations"_s, u"Number of organizations."_s, u"N"_s);
    const QCommandLineOption persons(u"persons"_s, u"Number of persons."_s, u"N"_s);
    const QCommandLineOption deals(u"deals"_s, u"Number of deals."_s, u"N"_s);
    const QCommandLineOption activities(u"activities"_s, u"Number of activities."_s, u"N"_s);
    const QCommandLineOption notes(u"notes"_s, u"Number of notes."_s, u"N"_s);
    const QCommandLineOption token(u"token"_s,
        u"API token to accept (else $FAKE_PIPEDRIVE_TOKEN, else test-token)."_s, u"T"_s);
    const QCommandLineOption latency(
        u"latency"_s, u"Delay of every response in ms."_s, u"MS"_s, u"0"_s);
    const QCommandLineOption burst(
        u"burst-limit"_s, u"Requests per rolling 2 s (0 = off)."_s, u"N"_s, u"0"_s);
    const QCommandLineOption budget(
        u"daily-budget"_s, u"Daily token budget (0 = unlimited)."_s, u"N"_s, u"0"_s);
    const QCommandLineOption bad(u"bad-records"_s, u"Serve some records malformed."_s);
    parser.addOptions({ port, seed, records, users, organizations, persons, deals, activities,
        notes, token, latency, burst, budget, bad });
    parser.process(app);

    auto number = [&](const QCommandLineOption &option) {
        bool ok = false;
        const int value = parser.value(option).toInt(&ok);
        if (!ok || value < 0) {
            QTextStream(stderr) << "fake-pipedrive: --" << option.names().constFirst()
                                << " needs a number >= 0\n";
            std::exit(2);
        }
        return value;
    };

    pds::test::DatasetSizes sizes = pds::test::DatasetSizes::fromTotal(number(records));
    if (parser.isSet(users))
        sizes.users = number(users);
    if (parser.isSet(organizations))
        sizes.organizations = number(organizations);
    if (parser.isSet(persons))
        sizes.persons = number(persons);
    if (parser.isSet(deals))
        sizes.deals = number(deals);
    if (parser.isSet(activities))
        sizes.activities = number(activities);
    if (parser.isSet(notes))
        sizes.notes = number(notes);

    pds::test::FakePipedriveServer server;
    server.generate(quint32(parser.value(seed).toUInt()), sizes);
    QString apiToken = parser.value(token);
    if (apiToken.isEmpty())
        apiToken = qEnvironmentVariable("FAKE_PIPEDRIVE_TOKEN");
    if (apiToken.isEmpty())
        apiToken = u"test-token"_s;
    server.setApiToken(apiToken);
    server.setLatencyMs(number(latency));
    server.setBurstLimit(number(burst));
    server.setDailyBudget(number(budget));
    server.setBadRecords(parser.isSet(bad));

    const quint16 bound = server.listen(QHostAddress::LocalHost, quint16(number(port)));
    if (bound == 0) {
        QTextStream(stderr) << "fake-pipedrive: cannot listen on port " << parser.value(port)
                            << '\n';
        return 1;
    }
    std::printf("listening http://127.0.0.1:%u\n", unsigned(bound));
    std::fflush(stdout);
    return app.exec();
}
