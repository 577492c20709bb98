#include "appsettings.h"

namespace pds {

SyncPreferences SyncPreferences::load(const Settings &settings)
{
    SyncPreferences prefs;
    prefs.pageSize = settings.pageSize();
    prefs.config = SyncConfig::load(settings);
    return prefs;
}

void SyncPreferences::save(Settings &settings) const
{
    settings.setPageSize(pageSize);
    config.save(settings);
}

void SyncPreferences::applyTo(SyncOptions &options) const
{
    options.pageSize = pageSize;
    config.applyTo(options);
}

void SyncPreferences::applyTo(SyncOptions &options, Settings &settings) const
{
    applyTo(options);
    config.prepareRun(settings, options);
}

std::optional<DatabaseConfig> savedDatabaseConfig(const Settings &settings, QString *error)
{
    const QString url = settings.databaseUrl();
    if (url.isEmpty())
        return DatabaseConfig::defaultConfig();
    return DatabaseConfig::fromUrl(url, error);
}

QString databaseUrlFor(const DatabaseConfig &config)
{
    return config.displayUrl();
}

} // namespace pds
