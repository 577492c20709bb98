#include "cli.h"

#include "api/connectioncheck.h"
#include "config/credentials.h"
#include "config/settings.h"
#include "keychaintokenstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QTextStream>
#include <cstdio>

namespace pds {

namespace {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

QString describe(const ApiError &error)
{
    switch (error.kind) {
    case ApiError::Kind::Authentication:
        return QCoreApplication::translate("Cli",
            "Authentication failed: %1 Check the API token "
            "(PIPEDRIVE_API_TOKEN or set-token).")
            .arg(error.message);
    case ApiError::Kind::Network:
    case ApiError::Kind::Timeout:
        return QCoreApplication::translate("Cli", "Network error: %1").arg(error.message);
    case ApiError::Kind::Configuration:
        return QCoreApplication::translate("Cli", "Configuration error: %1").arg(error.message);
    case ApiError::Kind::BudgetExhausted:
        return QCoreApplication::translate("Cli", "API budget used up: %1").arg(error.message);
    default:
        return QCoreApplication::translate("Cli", "Pipedrive error: %1").arg(error.message);
    }
}

} // namespace

Cli::Cli(QObject *parent)
    : QObject(parent)
    , m_settings(std::make_unique<Settings>())
    , m_store(new KeychainTokenStore(this))
{ }

Cli::~Cli() = default;

Cli::ExitCode Cli::exitCodeFor(const ApiError &error)
{
    switch (error.kind) {
    case ApiError::Kind::None:
        return Success;
    case ApiError::Kind::Configuration:
    case ApiError::Kind::Authentication:
        return ConfigurationError;
    default:
        return Aborted;
    }
}

void Cli::start(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Imports a Pipedrive account into the CRM database.\n\nCommands:\n"
           "  check       test the API token (prints the company and the user)\n"
           "  set-token   read the API token from standard input into the keychain"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"), tr("check | set-token"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), tr("Machine-readable output."));
    parser.addOption(jsonOption);
    const QCommandLineOption verboseOption(
        QStringLiteral("verbose"), tr("Log each request and step on standard error."));
    parser.addOption(verboseOption);
    // Without a command the parser prints help; process() exits for --help/--version.
    parser.process(arguments);
    m_json = parser.isSet(jsonOption);
    // Debug lines (one per request) only on demand; warnings always reach standard error.
    if (!parser.isSet(verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("pds.*.debug=false\npds.*.info=false"));
    const QStringList positional = parser.positionalArguments();
    const QString command = positional.value(0);
    if (command == QLatin1String("check"))
        return runCheck();
    if (command == QLatin1String("set-token"))
        return runSetToken();
    printError(command.isEmpty() ? tr("No command given: see --help.")
                                 : tr("Unknown command \"%1\": see --help.").arg(command));
    finish(ConfigurationError);
}

void Cli::finish(int code)
{
    out().flush();
    err().flush();
    QMetaObject::invokeMethod(
        this, [this, code] { emit exitRequested(code); }, Qt::QueuedConnection);
}

void Cli::printError(const QString &message, const QJsonObject &json)
{
    if (m_json) {
        QJsonObject object = json;
        object.insert(QStringLiteral("ok"), false);
        object.insert(QStringLiteral("error"), message);
        out() << QJsonDocument(object).toJson(QJsonDocument::Compact) << Qt::endl;
    } else {
        err() << message << Qt::endl;
    }
}

void Cli::printResult(const QString &text, const QJsonObject &json)
{
    if (m_json) {
        QJsonObject object = json;
        object.insert(QStringLiteral("ok"), true);
        out() << QJsonDocument(object).toJson(QJsonDocument::Compact) << Qt::endl;
    } else {
        out() << text << Qt::endl;
    }
}

void Cli::runCheck()
{
    auto *resolver = new CredentialsResolver(m_store, this);
    connect(resolver, &CredentialsResolver::resolved, this,
        [this](const QString &domain, const QString &token, const QString &error) {
            if (!error.isEmpty()) {
                printError(tr("Configuration error: %1").arg(error));
                return finish(ConfigurationError);
            }
            auto *check = new ConnectionCheck(&m_nam, this);
            connect(check, &ConnectionCheck::finished, this,
                [this, domain](const AccountInfo &account, const ApiError &apiError) {
                    if (apiError.isError()) {
                        printError(describe(apiError),
                            { { QStringLiteral("kind"), ApiError::kindName(apiError.kind) },
                                { QStringLiteral("domain"), domain } });
                        return finish(exitCodeFor(apiError));
                    }
                    const QString text = tr("Company: %1 (%2)\nUser: %3 <%4>")
                                             .arg(account.companyName, account.companyDomain,
                                                 account.userName, account.userEmail);
                    printResult(text,
                        { { QStringLiteral("company"), account.companyName },
                            { QStringLiteral("company_domain"), account.companyDomain },
                            { QStringLiteral("user"), account.userName },
                            { QStringLiteral("user_email"), account.userEmail },
                            { QStringLiteral("user_id"), double(account.userId) } });
                    finish(Success);
                });
            check->start(domain, token);
        });
    resolver->resolve(*m_settings);
}

void Cli::runSetToken()
{
    const QString domain = m_settings->companyDomain();
    if (domain.isEmpty()) {
        printError(tr("Configuration error: set PIPEDRIVE_COMPANY_DOMAIN (or save a domain in the "
                      "app) before storing a token."));
        return finish(ConfigurationError);
    }
    // The token comes from standard input so it never appears in the process arguments.
    QTextStream in(stdin);
    const QString token = in.readLine().trimmed();
    if (token.isEmpty()) {
        printError(tr("No token on standard input."));
        return finish(ConfigurationError);
    }
    const QString key = TokenStore::tokenKey(domain);
    connect(m_store, &TokenStore::secretWritten, this,
        [this, key, domain](const QString &writtenKey, const QString &error) {
            if (writtenKey != key)
                return;
            if (!error.isEmpty()) {
                printError(error);
                return finish(ConfigurationError);
            }
            m_settings->setCompanyDomain(domain);
            m_settings->sync();
            printResult(tr("Token stored in the keychain for %1.").arg(domain),
                { { QStringLiteral("domain"), domain } });
            finish(Success);
        });
    m_store->writeSecret(key, token);
}

} // namespace pds
