#pragma once

#include "accountinfo.h"
#include "apiclient.h"

#include <QObject>
#include <QPointer>

namespace pds {

// Asks /users/me with a domain and token: who is this, in which company? Used by the CLI's
// `check` and the settings dialog's Test connection button. Answers once with finished().
class ConnectionCheck : public QObject
{
    Q_OBJECT
public:
    explicit ConnectionCheck(QNetworkAccessManager *nam, QObject *parent = nullptr);

    // domain as the user typed it; errors in it are reported through finished() too.
    void start(const QString &domain, const QString &token, int timeoutMs = 30000);

signals:
    void finished(const pds::AccountInfo &account, const pds::ApiError &error);

private:
    QNetworkAccessManager *m_nam;
    QPointer<ApiClient> m_client;
};

} // namespace pds
