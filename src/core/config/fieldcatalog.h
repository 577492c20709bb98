#pragma once

#include "api/apiclient.h"
#include "api/pager.h"
#include "mapping/mapping.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>

class QNetworkAccessManager;

namespace pds {

// What a Pipedrive account offers for fitting it to the CRM (SPEC §6, the settings' field map,
// stage map and filters): every field of organizations, persons and deals, the pipelines with
// their stages, the saved filters, and a few records to preview a field map with.
struct PipedriveCatalog
{
    struct Pipeline
    {
        qint64 id = 0;
        QString name;
    };
    struct Stage
    {
        qint64 id = 0;
        qint64 pipelineId = 0;
        QString name;
    };
    struct Filter
    {
        qint64 id = 0;
        QString name;
        QString type; // Pipedrive's: "org", "people", "deals", "activity", ...
    };

    // Source name ("organizations", "persons", "deals") -> every field in Pipedrive's order,
    // built-in and custom (CustomFieldDef::custom).
    QMap<QString, QList<mapping::CustomFieldDef>> fields;
    QList<Pipeline> pipelines; // in Pipedrive's order
    QList<Stage> stages; // pipeline by pipeline, each in its order
    QList<Filter> filters;
    // Source name -> the first few records of the list (v2 shape), for previews.
    QMap<QString, QList<QJsonObject>> samples;

    bool isEmpty() const { return fields.isEmpty() && stages.isEmpty() && filters.isEmpty(); }
    QString pipelineName(qint64 pipelineId) const;
    // The saved filters for an entity of SyncConfig::filterEntities(), by name.
    QList<Filter> filtersFor(const QString &entity) const;
};

// Reads a PipedriveCatalog through ApiClient and Pager (retries, rate limits, v2 cursors): the
// *Fields lists page by page, then pipelines, stages, GET /api/v1/filters and one short page of
// each record list. One list after another; the answer comes as loaded() or failed().
class FieldCatalog : public QObject
{
    Q_OBJECT
public:
    FieldCatalog(
        QNetworkAccessManager *nam, const ApiClientConfig &config, QObject *parent = nullptr);
    ~FieldCatalog() override;

    void setRetryPolicy(const RetryPolicy &policy) { m_policy = policy; }
    // Items per request of the field, pipeline and stage lists (default and most: 500).
    void setListPageSize(int items) { m_listPageSize = qBound(1, items, 500); }
    // Records per source for previews; 0 reads none.
    void setSampleSize(int records) { m_sampleSize = qBound(0, records, 500); }

    void load();
    void cancel();
    bool isLoading() const { return m_loading; }
    int requestCount() const;

signals:
    void loaded(const pds::PipedriveCatalog &catalog);
    void failed(const pds::ApiError &error);

private:
    struct Step
    {
        Endpoint endpoint;
        QUrlQuery query;
        int pageSize = 500;
        bool allPages = true;
        std::function<void(PipedriveCatalog &, const json::Array &)> take;
    };

    void next();

    ApiClient *m_client;
    RetryPolicy m_policy;
    int m_listPageSize = 500;
    int m_sampleSize = 5;
    bool m_loading = false;
    QList<Step> m_steps;
    PipedriveCatalog m_catalog;
    QPointer<Pager> m_pager;
};

} // namespace pds
