#pragma once

#include "api/accountinfo.h"
#include "api/apierror.h"
#include "db/databaseconfig.h"
#include "sync/entity.h"

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QObject>
#include <QStringList>
#include <memory>
#include <optional>

namespace pds {

class Settings;
struct SyncConfig;
class TokenStore;

// pipedrive-sync-cli: parses the command line, runs one command over the core, and ends the
// event loop with the exit code of SPEC §7.
class Cli : public QObject
{
    Q_OBJECT
public:
    enum ExitCode { Success = 0, FinishedWithProblems = 1, ConfigurationError = 2, Aborted = 3 };

    explicit Cli(QObject *parent = nullptr);
    ~Cli() override;

    // Starts the command; the application's event loop must run until exitRequested().
    void start(const QStringList &arguments);

    // For the exit code of an API failure: configuration/authentication 2, the rest 3.
    static ExitCode exitCodeFor(const ApiError &error);

signals:
    void exitRequested(int code);

private:
    void runCheck();
    void runSetToken();
    void runSync(
        const QStringList &entityNames, bool full, bool dryRun, const QString &deletionPolicy);
    void runUndo(const QStringList &arguments);
    void runStats();
    // config [show | export FILE | import FILE]: the company fit (maps, filters, placeholders,
    // owner, deletion policy) shared with the app.
    void runConfig(const QStringList &arguments);
    // The configuration a sync uses: --config FILE's, else the saved one. Prints why and returns
    // nullopt when the file cannot be used.
    std::optional<SyncConfig> syncConfig();
    void runClearMappings(const QStringList &entityNames, bool confirmed);
    // The database of --database, else the saved settings, else the default SQLite file.
    bool resolveDatabase(DatabaseConfig *config);
    // Entity names from the command line; all when empty or "all". Prints and returns false on
    // an unknown name.
    bool parseEntities(const QStringList &names, QList<Entity> *entities);
    void finish(int code);
    void printError(const QString &message, const QJsonObject &json = {});
    void printResult(const QString &text, const QJsonObject &json);

    bool m_json = false;
    QString m_databaseUrl; // --database
    QString m_configFile; // --config
    bool m_policyOnCommandLine = false; // --deletion-policy beats the configuration's
    std::unique_ptr<Settings> m_settings;
    TokenStore *m_store = nullptr;
    QNetworkAccessManager m_nam;
};

} // namespace pds
