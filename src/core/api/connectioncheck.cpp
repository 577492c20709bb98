#include "connectioncheck.h"

#include "companydomain.h"

#include <QMetaObject>

namespace pds {

ConnectionCheck::ConnectionCheck(QNetworkAccessManager *nam, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
{ }

void ConnectionCheck::start(const QString &domain, const QString &token, int timeoutMs)
{
    auto failLater = [this](const QString &message) {
        ApiError error;
        error.kind = ApiError::Kind::Configuration;
        error.message = message;
        QMetaObject::invokeMethod(
            this, [this, error] { emit finished(AccountInfo(), error); }, Qt::QueuedConnection);
    };
    QString domainError;
    const QUrl base = baseUrlForCompany(domain, &domainError);
    if (!base.isValid())
        return failLater(domainError);
    if (token.trimmed().isEmpty())
        return failLater(tr("No API token is set."));

    delete m_client;
    m_client = new ApiClient(m_nam, { base, token.trimmed(), timeoutMs }, this);
    const Endpoint me = endpoints::usersMe();
    ApiRequest *request = m_client->createRequest(me.path);
    connect(request, &ApiRequest::finished, this, [this, request, me] {
        const ApiResponse response = request->response();
        request->deleteLater();
        m_client->noteResponse(response, me.tokenCost);
        if (!response.ok()) {
            emit finished(AccountInfo(), response.error);
            return;
        }
        const AccountInfo account = AccountInfo::fromUsersMe(
            response.body.value(QLatin1String("data")).toObject().toQt());
        if (!account.isValid()) {
            ApiError error;
            error.kind = ApiError::Kind::Malformed;
            error.message = tr("Pipedrive's answer for /users/me names no user.");
            emit finished(AccountInfo(), error);
            return;
        }
        emit finished(account, ApiError());
    });
    request->start();
}

} // namespace pds
