#pragma once

#include "config/settings.h"
#include "db/databaseconfig.h"
#include "sync/synctypes.h"

#include <QString>
#include <optional>

namespace pds {

// The desktop app's preferences beyond what pds::Settings already names, kept under keys the
// CLI can read too. Secrets are never among them: the token and the PostgreSQL password live in
// the keychain.
struct SyncPreferences
{
    int pageSize = 500;
    qint64 defaultOwnerUserId = 0; // CRM users.id; 0 = the token's own user
    DeletionPolicy deletionPolicy = DeletionPolicy::Report;
    QString firstNamePlaceholder;
    QString lastNamePlaceholder;
    QString phonePlaceholder;
    QString accountPlaceholder;

    static SyncPreferences load(const Settings &settings);
    void save(Settings &settings) const;
    // Copies the preferences into a run's options.
    void applyTo(SyncOptions &options) const;
};

namespace settingsKeys {
inline const char DefaultOwner[] = "sync/defaultOwnerUserId";
inline const char DeletionPolicy[] = "sync/deletionPolicy"; // "report" | "delete"
inline const char FirstNamePlaceholder[] = "mapping/firstNamePlaceholder";
inline const char LastNamePlaceholder[] = "mapping/lastNamePlaceholder";
inline const char PhonePlaceholder[] = "mapping/phonePlaceholder";
inline const char AccountPlaceholder[] = "mapping/accountPlaceholder";
inline const char WindowGeometry[] = "window/geometry";
inline const char DryRun[] = "window/dryRun";
} // namespace settingsKeys

// The database the settings name (the default SQLite file when none), without its password.
// nullopt and *error (in words) when the saved URL does not parse.
std::optional<DatabaseConfig> savedDatabaseConfig(const Settings &settings, QString *error);

// The URL to save for a database: `sqlite:PATH`, or the PostgreSQL URL without password.
QString databaseUrlFor(const DatabaseConfig &config);

} // namespace pds
