#include "settings.h"

namespace pds {

Settings::Settings()
    : m_settings(std::make_unique<QSettings>())
{ }

Settings::Settings(const QString &fileName)
    : m_settings(std::make_unique<QSettings>(fileName, QSettings::IniFormat))
{ }

QString Settings::companyDomain() const
{
    const QString fromEnvironment = qEnvironmentVariable("PIPEDRIVE_COMPANY_DOMAIN").trimmed();
    return fromEnvironment.isEmpty() ? savedCompanyDomain() : fromEnvironment;
}

QString Settings::savedCompanyDomain() const
{
    return m_settings->value(QStringLiteral("pipedrive/domain")).toString();
}

void Settings::setCompanyDomain(const QString &domain)
{
    m_settings->setValue(QStringLiteral("pipedrive/domain"), domain.trimmed());
}

QString Settings::databaseUrl() const
{
    return m_settings->value(QStringLiteral("database/url")).toString();
}

void Settings::setDatabaseUrl(const QString &url)
{
    m_settings->setValue(QStringLiteral("database/url"), url.trimmed());
}

int Settings::pageSize() const
{
    return qBound(1, m_settings->value(QStringLiteral("sync/pageSize"), 500).toInt(), 500);
}

void Settings::setPageSize(int size)
{
    m_settings->setValue(QStringLiteral("sync/pageSize"), qBound(1, size, 500));
}

QVariant Settings::value(const QString &key, const QVariant &fallback) const
{
    return m_settings->value(key, fallback);
}

void Settings::setValue(const QString &key, const QVariant &value)
{
    m_settings->setValue(key, value);
}

void Settings::sync()
{
    m_settings->sync();
}

QString Settings::fileName() const
{
    return m_settings->fileName();
}

QString Settings::environmentToken()
{
    return qEnvironmentVariable("PIPEDRIVE_API_TOKEN").trimmed();
}

} // namespace pds
