#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

namespace pds {

class Settings;
class TokenStore;

// Finds the company domain and API token the way SPEC §2 orders them: the environment first
// (PIPEDRIVE_COMPANY_DOMAIN, PIPEDRIVE_API_TOKEN), then the saved settings and the keychain.
class CredentialsResolver : public QObject
{
    Q_OBJECT
public:
    explicit CredentialsResolver(TokenStore *store, QObject *parent = nullptr);

    void resolve(const Settings &settings);

signals:
    // error is empty when both were found.
    void resolved(const QString &domain, const QString &token, const QString &error);

private:
    QPointer<TokenStore> m_store;
};

} // namespace pds
