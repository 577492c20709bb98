#pragma once

#include "databasetasks.h"

#include <QUrl>
#include <QWidget>
#include <memory>

namespace Ui {
class ProblemsView;
}

namespace pds {

class ProblemsModel;

// Every skipped, merged, failed or deleted record with its reason and a link to it in
// Pipedrive's web app (Enter, a double click or "Open in Pipedrive" follows it).
class ProblemsView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int RowLimit = 5000;

    explicit ProblemsView(QWidget *parent = nullptr);
    ~ProblemsView() override;

    void showSnapshot(const tasks::ProblemsSnapshot &snapshot);
    void setCompanyDomain(const QString &domain);
    ProblemFilter filter() const; // the filter chosen, with RowLimit
    ProblemsModel *model() const { return m_model; }

signals:
    void refreshRequested();
    void exportRequested();
    void linkActivated(const QUrl &url);

private:
    void activateRow(int row);
    void updateButtons();

    std::unique_ptr<Ui::ProblemsView> m_ui;
    ProblemsModel *m_model;
};

} // namespace pds
