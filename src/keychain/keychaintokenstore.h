#pragma once

#include "config/tokenstore.h"

namespace pds {

// Secrets in the OS keychain through QtKeychain (libsecret / gnome-keyring on Linux). No insecure
// fallback: if the keychain cannot be reached, the caller is told so.
class KeychainTokenStore : public TokenStore
{
    Q_OBJECT
public:
    explicit KeychainTokenStore(QObject *parent = nullptr);

    void readSecret(const QString &key) override;
    void writeSecret(const QString &key, const QString &secret) override;
    void deleteSecret(const QString &key) override;

    static QString serviceName();
};

} // namespace pds
