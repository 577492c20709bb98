#include "appsettings.h"

namespace pds {

namespace {

QString key(const char *name)
{
    return QString::fromLatin1(name);
}

QString placeholder(const Settings &settings, const char *name, const QString &fallback)
{
    const QString value = settings.value(key(name)).toString();
    return value.isEmpty() ? fallback : value;
}

} // namespace

SyncPreferences SyncPreferences::load(const Settings &settings)
{
    const mapping::MappingOptions defaults;
    SyncPreferences prefs;
    prefs.pageSize = settings.pageSize();
    prefs.defaultOwnerUserId = settings.value(key(settingsKeys::DefaultOwner), 0).toLongLong();
    prefs.deletionPolicy
        = settings.value(key(settingsKeys::DeletionPolicy)).toString() == QLatin1String("delete")
        ? DeletionPolicy::Delete
        : DeletionPolicy::Report;
    prefs.firstNamePlaceholder
        = placeholder(settings, settingsKeys::FirstNamePlaceholder, defaults.firstNamePlaceholder);
    prefs.lastNamePlaceholder
        = placeholder(settings, settingsKeys::LastNamePlaceholder, defaults.lastNamePlaceholder);
    prefs.phonePlaceholder
        = placeholder(settings, settingsKeys::PhonePlaceholder, defaults.phonePlaceholder);
    prefs.accountPlaceholder
        = placeholder(settings, settingsKeys::AccountPlaceholder, defaults.accountPlaceholder);
    return prefs;
}

void SyncPreferences::save(Settings &settings) const
{
    settings.setPageSize(pageSize);
    settings.setValue(key(settingsKeys::DefaultOwner), defaultOwnerUserId);
    settings.setValue(key(settingsKeys::DeletionPolicy),
        deletionPolicy == DeletionPolicy::Delete ? QStringLiteral("delete")
                                                 : QStringLiteral("report"));
    settings.setValue(key(settingsKeys::FirstNamePlaceholder), firstNamePlaceholder);
    settings.setValue(key(settingsKeys::LastNamePlaceholder), lastNamePlaceholder);
    settings.setValue(key(settingsKeys::PhonePlaceholder), phonePlaceholder);
    settings.setValue(key(settingsKeys::AccountPlaceholder), accountPlaceholder);
}

void SyncPreferences::applyTo(SyncOptions &options) const
{
    options.pageSize = pageSize;
    options.defaultOwnerUserId = defaultOwnerUserId;
    options.deletionPolicy = deletionPolicy;
    if (!firstNamePlaceholder.isEmpty())
        options.mapping.firstNamePlaceholder = firstNamePlaceholder;
    if (!lastNamePlaceholder.isEmpty())
        options.mapping.lastNamePlaceholder = lastNamePlaceholder;
    if (!phonePlaceholder.isEmpty())
        options.mapping.phonePlaceholder = phonePlaceholder;
    if (!accountPlaceholder.isEmpty())
        options.mapping.accountPlaceholder = accountPlaceholder;
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
