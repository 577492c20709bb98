#include "cli.h"

#include "api/companydomain.h"
#include "api/connectioncheck.h"
#include "config/credentials.h"
#include "config/settings.h"
#include "config/syncconfig.h"
#include "db/database.h"
#include "db/schemamanager.h"
#include "keychaintokenstore.h"
#include "sync/maintenance.h"
#include "sync/syncrunner.h"
#include "sync/undojournal.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
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
    case ApiError::Kind::Forbidden:
        return QCoreApplication::translate("Cli",
            "Permission refused: %1 The token's Pipedrive user may not see this; use the token "
            "of a user who may see all of the company's data.")
            .arg(error.message);
    case ApiError::Kind::AccountClosed:
        return QCoreApplication::translate(
            "Cli", "Pipedrive account not open: %1 Its subscription or trial may have ended.")
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
    case ApiError::Kind::Forbidden:
    case ApiError::Kind::AccountClosed:
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
           "  sync [all|users|organizations|persons|deals|activities|notes]...\n"
           "                 import into the CRM database (incremental unless --full)\n"
           "  stats          counts per entity: CRM rows, mapped rows, the last run\n"
           "  clear-mappings [ENTITY] --yes\n"
           "                 forget which CRM rows came from which Pipedrive records\n"
           "  undo [RUN]     take back the sync that run RUN belongs to (default: the last one "
           "that\n                 changed something)\n"
           "  config [show | export FILE | import FILE]\n"
           "                 the maps, filters and options a sync uses (shared with the app)\n"
           "  check          test the API token and the database\n"
           "  set-token      read the API token from standard input into the keychain\n\n"
           "Exit codes: 0 success, 1 finished with skipped or failed records, 2 configuration "
           "or authentication error, 3 aborted (network, budget, database)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"),
        tr("sync | stats | clear-mappings | undo | config | check | set-token"));
    parser.addPositionalArgument(QStringLiteral("entity"),
        tr("Entities for sync and clear-mappings."), QStringLiteral("[entity...]"));
    const QCommandLineOption databaseOption(QStringLiteral("database"),
        tr("The CRM database: sqlite:PATH or postgresql://user@host:port/db (password from "
           "PGPASSWORD or the keychain)."),
        QStringLiteral("url"));
    parser.addOption(databaseOption);
    const QCommandLineOption configOption(QStringLiteral("config"),
        tr("The field map, stage map, filters and options from FILE (exported by the app or "
           "config export) instead of the saved ones."),
        QStringLiteral("file"));
    parser.addOption(configOption);
    const QCommandLineOption fullOption(
        QStringLiteral("full"), tr("Re-read everything instead of what changed."));
    parser.addOption(fullOption);
    const QCommandLineOption dryRunOption(
        QStringLiteral("dry-run"), tr("Do everything but commit: report what would change."));
    parser.addOption(dryRunOption);
    const QCommandLineOption deletionOption(QStringLiteral("deletion-policy"),
        tr("What a sync does with records deleted in Pipedrive: report (keep the CRM rows) or "
           "delete (remove the rows it created). Default: the saved setting, else report."),
        QStringLiteral("policy"));
    parser.addOption(deletionOption);
    const QCommandLineOption yesOption(QStringLiteral("yes"), tr("Confirm clear-mappings."));
    parser.addOption(yesOption);
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
    m_databaseUrl = parser.value(databaseOption);
    m_configFile = parser.value(configOption);
    m_policyOnCommandLine = parser.optionNames().contains(QStringLiteral("deletion-policy"));
    if (command == QLatin1String("sync"))
        return runSync(positional.mid(1), parser.isSet(fullOption), parser.isSet(dryRunOption),
            parser.value(deletionOption));
    if (command == QLatin1String("undo"))
        return runUndo(positional.mid(1));
    if (command == QLatin1String("stats"))
        return runStats();
    if (command == QLatin1String("config"))
        return runConfig(positional.mid(1));
    if (command == QLatin1String("clear-mappings"))
        return runClearMappings(positional.mid(1), parser.isSet(yesOption));
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

bool Cli::parseEntities(const QStringList &names, QList<Entity> *entities)
{
    entities->clear();
    for (const QString &name : names) {
        if (name == QLatin1String("all")) {
            entities->clear();
            break;
        }
        const std::optional<Entity> entity = entityFromName(name);
        if (!entity) {
            printError(tr("Unknown entity \"%1\": use all, users, organizations, persons, deals, "
                          "activities or notes.")
                           .arg(name));
            return false;
        }
        if (!entities->contains(*entity))
            entities->append(*entity);
    }
    if (entities->isEmpty()) {
        *entities = allEntities();
    } else {
        // Always in dependency order, whatever order they were named in.
        QList<Entity> ordered;
        for (Entity entity : allEntities()) {
            if (entities->contains(entity))
                ordered.append(entity);
        }
        *entities = ordered;
    }
    return true;
}

bool Cli::resolveDatabase(DatabaseConfig *config)
{
    const QString url = !m_databaseUrl.isEmpty() ? m_databaseUrl : m_settings->databaseUrl();
    if (url.isEmpty()) {
        *config = DatabaseConfig::defaultConfig();
        return true;
    }
    QString error;
    const std::optional<DatabaseConfig> parsed = DatabaseConfig::fromUrl(url, &error);
    if (!parsed) {
        printError(tr("Configuration error: %1").arg(error));
        return false;
    }
    *config = *parsed;
    return true;
}

namespace {

QJsonObject countsJson(const RunCounts &counts)
{
    return { { QStringLiteral("fetched"), double(counts.fetched) },
        { QStringLiteral("created"), double(counts.created) },
        { QStringLiteral("updated"), double(counts.updated) },
        { QStringLiteral("unchanged"), double(counts.unchanged) },
        { QStringLiteral("merged"), double(counts.merged) },
        { QStringLiteral("skipped"), double(counts.skipped) },
        { QStringLiteral("failed"), double(counts.failed) },
        { QStringLiteral("deleted"), double(counts.deleted) },
        { QStringLiteral("requests"), double(counts.requests) },
        { QStringLiteral("tokens"), double(counts.tokens) } };
}

QString countsLine(const RunCounts &counts)
{
    return QCoreApplication::translate("Cli",
        "fetched %1, created %2, updated %3, unchanged %4, "
        "merged %5, skipped %6, failed %7, deleted %8")
        .arg(counts.fetched)
        .arg(counts.created)
        .arg(counts.updated)
        .arg(counts.unchanged)
        .arg(counts.merged)
        .arg(counts.skipped)
        .arg(counts.failed)
        .arg(counts.deleted);
}

} // namespace

void Cli::runSync(
    const QStringList &entityNames, bool full, bool dryRun, const QString &deletionPolicy)
{
    QList<Entity> entities;
    if (!parseEntities(entityNames, &entities))
        return finish(ConfigurationError);
    const std::optional<SyncConfig> fit = syncConfig();
    if (!fit)
        return finish(ConfigurationError);
    // The app saves the policy under the same key, so both front ends agree.
    const QString policy = !deletionPolicy.isEmpty()
        ? deletionPolicy
        : m_settings->value(QStringLiteral("sync/deletionPolicy"), QStringLiteral("report"))
              .toString();
    if (policy != QLatin1String("report") && policy != QLatin1String("delete")) {
        printError(tr("Unknown deletion policy \"%1\": use report or delete.").arg(policy));
        return finish(ConfigurationError);
    }
    DatabaseConfig database;
    if (!resolveDatabase(&database))
        return finish(ConfigurationError);
    auto *resolver = new CredentialsResolver(m_store, this);
    connect(resolver, &CredentialsResolver::resolved, this,
        [=, this](const QString &domain, const QString &token, const QString &error) {
            if (!error.isEmpty()) {
                printError(tr("Configuration error: %1").arg(error));
                return finish(ConfigurationError);
            }
            QString domainError;
            const QUrl base = baseUrlForCompany(domain, &domainError);
            if (!base.isValid()) {
                printError(tr("Configuration error: %1").arg(domainError));
                return finish(ConfigurationError);
            }
            SyncOptions options;
            options.baseUrl = base;
            options.token = token;
            options.database = database;
            options.entities = entities;
            options.full = full;
            options.dryRun = dryRun;
            options.deletionPolicy = policy == QLatin1String("delete") ? DeletionPolicy::Delete
                                                                       : DeletionPolicy::Report;
            options.pageSize = m_settings->pageSize();
            // The company fit; a deletion policy given on the command line wins. A changed map
            // or filter re-reads what it concerns.
            const DeletionPolicy commandLinePolicy = options.deletionPolicy;
            fit->applyTo(options);
            if (m_policyOnCommandLine)
                options.deletionPolicy = commandLinePolicy;
            fit->prepareRun(*m_settings, options);
            const int cost = qEnvironmentVariableIntValue("PDS_BCRYPT_COST");
            if (cost >= 4 && cost <= 31)
                options.bcryptCost = cost;
            auto *runner = new SyncRunner(this);
            connect(runner, &SyncRunner::entityFinished, this, [this](const EntityResult &result) {
                SyncConfig::noteEntityFinished(*m_settings, result);
            });
            connect(runner, &SyncRunner::progress, this, [](const SyncProgress &progress) {
                err() << entityName(progress.entity) << ": " << progress.done << " records, "
                      << progress.status << Qt::endl;
            });
            connect(runner, &SyncRunner::finished, this, [this](const RunSummary &summary) {
                QJsonArray entitiesJson;
                QStringList lines;
                for (const EntityResult &result : summary.entities) {
                    QJsonObject object = countsJson(result.counts);
                    object.insert(QStringLiteral("entity"), entityName(result.entity));
                    object.insert(QStringLiteral("outcome"), outcomeName(result.outcome));
                    object.insert(QStringLiteral("run_id"), double(result.runId));
                    entitiesJson.append(object);
                    lines << QStringLiteral("%1: %2").arg(
                        entityName(result.entity), countsLine(result.counts));
                }
                QJsonObject json { { QStringLiteral("outcome"), outcomeName(summary.outcome) },
                    { QStringLiteral("dry_run"), summary.dryRun },
                    { QStringLiteral("entities"), entitiesJson },
                    { QStringLiteral("requests"), double(summary.requests) },
                    { QStringLiteral("tokens"), double(summary.tokens) } };
                lines
                    << tr("%1 requests, %2 API tokens.").arg(summary.requests).arg(summary.tokens);
                if (summary.dryRun)
                    lines << tr("Dry run: nothing was written; the counts say what a sync would "
                                "do.");
                switch (summary.outcome) {
                case SyncOutcome::Succeeded:
                    printResult(lines.join(QLatin1Char('\n')), json);
                    return finish(Success);
                case SyncOutcome::FinishedWithProblems:
                    lines << tr("Some records were not imported: see the problems list.");
                    printResult(lines.join(QLatin1Char('\n')), json);
                    return finish(FinishedWithProblems);
                case SyncOutcome::Cancelled:
                case SyncOutcome::Failed:
                    break;
                }
                QString message;
                if (summary.apiError.isError())
                    message = describe(summary.apiError);
                else if (summary.dbError.isError())
                    message = tr("Database error: %1").arg(summary.dbError.message);
                else
                    message = summary.message;
                json.insert(QStringLiteral("kind"),
                    summary.apiError.isError() ? ApiError::kindName(summary.apiError.kind)
                                               : DbError::kindName(summary.dbError.kind));
                if (!m_json)
                    out() << lines.join(QLatin1Char('\n')) << Qt::endl;
                printError(message, json);
                const bool configuration = exitCodeFor(summary.apiError) == ConfigurationError
                    || summary.dbError.kind == DbError::Kind::NotACrmDatabase
                    || summary.dbError.kind == DbError::Kind::AuthenticationFailed;
                finish(configuration ? ConfigurationError : Aborted);
            });
            runner->start(options);
        });
    resolver->resolve(*m_settings);
}

std::optional<SyncConfig> Cli::syncConfig()
{
    if (m_configFile.isEmpty())
        return SyncConfig::load(*m_settings);
    QStringList errors;
    std::optional<SyncConfig> config = SyncConfig::readFile(m_configFile, &errors);
    if (!config)
        printError(tr("Configuration error: %1 cannot be used:\n  %2")
                       .arg(m_configFile, errors.join(QStringLiteral("\n  "))),
            { { QStringLiteral("errors"), QJsonArray::fromStringList(errors) } });
    return config;
}

void Cli::runConfig(const QStringList &arguments)
{
    const QString action = arguments.value(0, QStringLiteral("show"));
    const QString file = arguments.value(1);
    if ((action == QLatin1String("show") && arguments.size() > 1)
        || ((action == QLatin1String("export") || action == QLatin1String("import"))
            && (file.isEmpty() || arguments.size() > 2))
        || !QStringList(
            { QStringLiteral("show"), QStringLiteral("export"), QStringLiteral("import") })
                .contains(action)) {
        printError(tr("Use config show, config export FILE or config import FILE."));
        return finish(ConfigurationError);
    }
    if (action == QLatin1String("import")) {
        QStringList errors;
        const std::optional<SyncConfig> config = SyncConfig::readFile(file, &errors);
        if (!config) {
            printError(tr("Configuration error: %1 was not imported:\n  %2")
                           .arg(file, errors.join(QStringLiteral("\n  "))),
                { { QStringLiteral("errors"), QJsonArray::fromStringList(errors) } });
            return finish(ConfigurationError);
        }
        config->save(*m_settings);
        m_settings->sync();
        printResult(tr("Imported %1: the next sync uses it.").arg(file),
            { { QStringLiteral("imported"), file } });
        return finish(Success);
    }
    const std::optional<SyncConfig> config = syncConfig();
    if (!config)
        return finish(ConfigurationError);
    if (action == QLatin1String("export")) {
        QString error;
        if (!config->writeFile(file, &error)) {
            printError(tr("Could not write %1: %2").arg(file, error));
            return finish(Aborted);
        }
        printResult(tr("Exported the configuration to %1.").arg(file),
            { { QStringLiteral("exported"), file } });
        return finish(Success);
    }
    printResult(QString::fromUtf8(QJsonDocument(config->toJson()).toJson(QJsonDocument::Indented))
                    .trimmed(),
        { { QStringLiteral("config"), config->toJson() } });
    finish(Success);
}

void Cli::runStats()
{
    DatabaseConfig config;
    if (!resolveDatabase(&config))
        return finish(ConfigurationError);
    Database db;
    DbError error = db.open(config);
    if (error.isOk()) {
        SchemaManager schema;
        error = schema.ensureSchema(db);
    }
    QList<EntityStats> stats;
    if (error.isOk())
        stats = readStats(db, &error);
    if (error.isError()) {
        printError(tr("Database error: %1").arg(error.message));
        return finish(error.kind == DbError::Kind::NotACrmDatabase ? ConfigurationError : Aborted);
    }
    QJsonArray array;
    QStringList lines;
    lines << tr("Database: %1").arg(config.displayUrl());
    for (const EntityStats &entry : stats) {
        QJsonObject object { { QStringLiteral("entity"), entityName(entry.entity) },
            { QStringLiteral("crm_tables"), entry.crmTables },
            { QStringLiteral("crm_rows"), double(entry.crmRows) },
            { QStringLiteral("mapped_rows"), double(entry.mappedRows) } };
        QString last = tr("never synced");
        if (entry.lastRun) {
            QJsonObject run = countsJson(entry.lastRun->counts);
            run.insert(QStringLiteral("outcome"), entry.lastRun->outcome);
            run.insert(QStringLiteral("mode"), entry.lastRun->mode);
            run.insert(QStringLiteral("dry_run"), entry.lastRun->dryRun);
            run.insert(
                QStringLiteral("started_at"), entry.lastRun->startedAt.toString(Qt::ISODate));
            run.insert(
                QStringLiteral("finished_at"), entry.lastRun->finishedAt.toString(Qt::ISODate));
            object.insert(QStringLiteral("last_run"), run);
            last = tr("last run %1 (%2): %3")
                       .arg(entry.lastRun->startedAt.toString(Qt::ISODate), entry.lastRun->outcome,
                           countsLine(entry.lastRun->counts));
        }
        array.append(object);
        lines << tr("%1: %2 rows in %3, %4 mapped; %5")
                     .arg(entityName(entry.entity))
                     .arg(entry.crmRows)
                     .arg(entry.crmTables)
                     .arg(entry.mappedRows)
                     .arg(last);
    }
    printResult(lines.join(QLatin1Char('\n')),
        { { QStringLiteral("database"), config.displayUrl() },
            { QStringLiteral("entities"), array } });
    finish(Success);
}

void Cli::runUndo(const QStringList &arguments)
{
    qint64 runId = 0;
    if (!arguments.isEmpty()) {
        bool ok = false;
        runId = arguments.first().toLongLong(&ok);
        if (!ok || runId <= 0 || arguments.size() > 1) {
            printError(tr("undo takes one run id (a number from the run history, see stats), or "
                          "none for the last sync that changed something."));
            return finish(ConfigurationError);
        }
    }
    DatabaseConfig config;
    if (!resolveDatabase(&config))
        return finish(ConfigurationError);
    Database db;
    DbError error = db.open(config);
    if (error.isOk()) {
        SchemaManager schema;
        error = schema.ensureSchema(db);
    }
    if (error.isOk() && runId == 0) {
        runId = lastUndoableRun(db, &error);
        if (error.isOk() && runId == 0) {
            printResult(tr("Nothing to undo: no sync has changed the CRM since the last undo."),
                { { QStringLiteral("undone"), false } });
            return finish(Success);
        }
    }
    if (error.isError()) {
        printError(tr("Database error: %1").arg(error.message));
        return finish(error.kind == DbError::Kind::NotACrmDatabase ? ConfigurationError : Aborted);
    }
    const UndoResult result = undoRun(db, runId);
    QJsonArray runs, undoRuns;
    for (qint64 id : result.runIds)
        runs.append(double(id));
    for (qint64 id : result.undoRunIds)
        undoRuns.append(double(id));
    QJsonObject json { { QStringLiteral("undone"), result.undone },
        { QStringLiteral("run_id"), double(runId) },
        { QStringLiteral("sync_id"), double(result.syncId) }, { QStringLiteral("runs"), runs },
        { QStringLiteral("entities"), QJsonArray::fromStringList(result.entities) },
        { QStringLiteral("rows_removed"), double(result.rowsRemoved) },
        { QStringLiteral("rows_restored"), double(result.rowsRestored) },
        { QStringLiteral("rows_reinserted"), double(result.rowsReinserted) },
        { QStringLiteral("undo_runs"), undoRuns } };
    if (result.undone) {
        printResult(result.message, json);
        return finish(Success);
    }
    if (result.blockingRunId > 0)
        json.insert(QStringLiteral("blocking_run"), double(result.blockingRunId));
    printError(result.message, json);
    // Refused: the request cannot be done as asked (2); the database failed: aborted (3).
    finish(result.error.isError() ? Aborted : ConfigurationError);
}

void Cli::runClearMappings(const QStringList &entityNames, bool confirmed)
{
    QList<Entity> entities;
    if (!parseEntities(entityNames, &entities))
        return finish(ConfigurationError);
    QStringList names;
    for (Entity entity : std::as_const(entities))
        names << entityName(entity);
    if (!confirmed) {
        printError(tr("clear-mappings forgets which CRM rows came from which Pipedrive records "
                      "(%1); the CRM rows stay, and the next sync matches them again by email or "
                      "name. Add --yes to do it.")
                       .arg(names.join(QStringLiteral(", "))));
        return finish(ConfigurationError);
    }
    DatabaseConfig config;
    if (!resolveDatabase(&config))
        return finish(ConfigurationError);
    Database db;
    DbError error = db.open(config);
    if (error.isOk()) {
        SchemaManager schema;
        error = schema.ensureSchema(db);
    }
    qint64 removed = -1;
    if (error.isOk())
        removed = clearMappings(db, entities, &error);
    if (error.isError()) {
        printError(tr("Database error: %1").arg(error.message));
        return finish(Aborted);
    }
    printResult(
        tr("Removed %1 mapping rows (%2).").arg(removed).arg(names.join(QStringLiteral(", "))),
        { { QStringLiteral("removed"), double(removed) },
            { QStringLiteral("entities"), QJsonArray::fromStringList(names) } });
    finish(Success);
}

} // namespace pds
