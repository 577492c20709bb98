#pragma once

#include "config/settings.h"
#include "config/syncconfig.h"
#include "db/databaseconfig.h"
#include "sync/synctypes.h"

#include <QString>
#include <optional>

namespace pds {

// The desktop app's sync preferences: the page size and the company fit (SyncConfig: maps,
// filters, placeholders, default owner, deletion policy), under keys the CLI reads too. Secrets
// are never among them: the token and the PostgreSQL password live in the keychain.
struct SyncPreferences
{
    int pageSize = 500;
    SyncConfig config;

    static SyncPreferences load(const Settings &settings);
    void save(Settings &settings) const;
    // Copies the preferences into a run's options.
    void applyTo(SyncOptions &options) const;
    // The same, and the run re-reads in full what a changed map concerns (SyncConfig::prepareRun;
    // call SyncConfig::noteEntityFinished() as its entities finish).
    void applyTo(SyncOptions &options, Settings &settings) const;
};

// Keys of the app's own window state (the sync keys are in config/syncconfig.h).
namespace settingsKeys {
inline const char WindowGeometry[] = "window/geometry";
inline const char DryRun[] = "window/dryRun";
} // namespace settingsKeys

// The database the settings name (the default SQLite file when none), without its password.
// nullopt and *error (in words) when the saved URL does not parse.
std::optional<DatabaseConfig> savedDatabaseConfig(const Settings &settings, QString *error);

// The URL to save for a database: `sqlite:PATH`, or the PostgreSQL URL without password.
QString databaseUrlFor(const DatabaseConfig &config);

} // namespace pds
