#pragma once

#include <QHash>
#include <QObject>
#include <QString>

namespace pds {

// Where secrets (the API token, the database password) are kept. The core only sees this
// interface: the front ends give it the OS keychain, tests give it memory. Asynchronous because
// the keychain is: each call answers once with its signal.
class TokenStore : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual void readSecret(const QString &key) = 0;
    virtual void writeSecret(const QString &key, const QString &secret) = 0;
    virtual void deleteSecret(const QString &key) = 0;

    // Keys: one API token per company domain, one password per database.
    static QString tokenKey(const QString &companyDomain);
    static QString databasePasswordKey(const QString &databaseUrl);

signals:
    // error is empty on success; a missing entry reads as an empty secret without error.
    void secretRead(const QString &key, const QString &secret, const QString &error);
    void secretWritten(const QString &key, const QString &error);
    void secretDeleted(const QString &key, const QString &error);
};

// Keeps secrets in memory only: for tests and for the environment-variable path.
class MemoryTokenStore : public TokenStore
{
    Q_OBJECT
public:
    using TokenStore::TokenStore;
    void readSecret(const QString &key) override;
    void writeSecret(const QString &key, const QString &secret) override;
    void deleteSecret(const QString &key) override;

private:
    QHash<QString, QString> m_secrets;
};

} // namespace pds
