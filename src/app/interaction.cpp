#include "interaction.h"

#include <QDesktopServices>
#include <QFileDialog>
#include <QMessageBox>
#include <QPushButton>

namespace pds {

namespace {

// A file to write, new or existing; `overwriteIsFine` when the file is opened, not replaced.
void chooseFile(QWidget *parent, bool overwriteIsFine, const QString &caption,
    const QString &suggestion, const QString &filter, std::function<void(QString)> answer)
{
    auto *dialog = new QFileDialog(parent, caption, suggestion, filter);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->setOption(QFileDialog::DontConfirmOverwrite, overwriteIsFine);
    QObject::connect(dialog, &QFileDialog::finished, dialog, [dialog, answer](int result) {
        const QStringList files = dialog->selectedFiles();
        answer(result == QDialog::Accepted && !files.isEmpty() ? files.constFirst() : QString());
    });
    dialog->open();
}

} // namespace

Interaction Interaction::desktop()
{
    Interaction interaction;
    interaction.confirm
        = [](QWidget *parent, const Question &question, std::function<void(bool)> answer) {
              auto *box = new QMessageBox(QMessageBox::Question, question.title, question.text,
                  QMessageBox::Cancel, parent);
              box->setAttribute(Qt::WA_DeleteOnClose);
              QPushButton *accept = box->addButton(question.acceptText, QMessageBox::AcceptRole);
              box->setDefaultButton(QMessageBox::Cancel);
              QObject::connect(box, &QMessageBox::finished, box,
                  [box, accept, answer](int) { answer(box->clickedButton() == accept); });
              box->open();
          };
    interaction.chooseSaveFile
        = [](QWidget *parent, const QString &caption, const QString &suggestion,
              const QString &filter, std::function<void(QString)> answer) {
              chooseFile(parent, false, caption, suggestion, filter, answer);
          };
    interaction.chooseDatabaseFile
        = [](QWidget *parent, const QString &caption, const QString &suggestion,
              const QString &filter, std::function<void(QString)> answer) {
              chooseFile(parent, true, caption, suggestion, filter, answer);
          };
    interaction.chooseOpenFile = [](QWidget *parent, const QString &caption,
                                     const QString &suggestion, const QString &filter,
                                     std::function<void(QString)> answer) {
        auto *dialog = new QFileDialog(parent, caption, suggestion, filter);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setAcceptMode(QFileDialog::AcceptOpen);
        dialog->setFileMode(QFileDialog::ExistingFile);
        QObject::connect(dialog, &QFileDialog::finished, dialog, [dialog, answer](int result) {
            const QStringList files = dialog->selectedFiles();
            answer(
                result == QDialog::Accepted && !files.isEmpty() ? files.constFirst() : QString());
        });
        dialog->open();
    };
    interaction.openUrl = [](const QUrl &url) {
        QDesktopServices::openUrl(url);
    };
    return interaction;
}

} // namespace pds
