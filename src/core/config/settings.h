#pragma once

#include <QSettings>
#include <QString>
#include <memory>

namespace pds {

// The non-secret settings (SPEC §2), in QSettings. Secrets never pass through here: the token
// and the database password live in a TokenStore. Environment variables override for headless use.
class Settings
{
public:
    Settings(); // the application's QSettings
    explicit Settings(const QString &fileName); // an INI file (tests)

    // PIPEDRIVE_COMPANY_DOMAIN overrides the saved domain.
    QString companyDomain() const;
    QString savedCompanyDomain() const;
    void setCompanyDomain(const QString &domain);

    QString databaseUrl() const; // "" = the default SQLite file
    void setDatabaseUrl(const QString &url);

    int pageSize() const; // 1..500, default 500
    void setPageSize(int size);

    QVariant value(const QString &key, const QVariant &fallback = {}) const;
    void setValue(const QString &key, const QVariant &value);

    void sync();
    QString fileName() const;

    // PIPEDRIVE_API_TOKEN, when set: headless use without a keychain.
    static QString environmentToken();

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace pds
