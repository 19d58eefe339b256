"""Outgoing mail: messages, mailers (SMTP, memory, disabled) and the auth mail templates.

Message, Mailbox            one e-mail, as plain data (`Message.to_email()` for RFC 5322)
Mailer                      the interface: `async send(message)`, raising MailError on failure
SmtpMailer                  smtplib in a worker thread (PLAIN/LOGIN auth, TLS or STARTTLS)
MemoryMailer                keeps messages in a list (tests, previews)
DisabledMailer              `smtp.enabled` is false: logs the envelope and raises MailError
mailer_from_settings        the mailer `app.settings.smtp` describes
sender_from_settings        `meta.senderName <meta.senderAddress>`
render_template             a collection's mail template -> (subject, HTML document)
html_to_text                the plain-text alternative of an HTML body
OutgoingMail, send_mail     a message, its kind and record, sent after the mail hooks
"""

from bastion.mail.mail_html_text import html_to_text
from bastion.mail.mail_message import Mailbox, Message
from bastion.mail.mail_render import render_template
from bastion.mail.mail_send import MailHooks, OutgoingMail, send_mail
from bastion.mail.mail_settings import mailer_from_settings, sender_from_settings
from bastion.mail.mailer import DisabledMailer, Mailer, MailError, MemoryMailer
from bastion.mail.mailer_smtp import SmtpMailer

__all__ = [
    "DisabledMailer",
    "MailError",
    "MailHooks",
    "Mailbox",
    "Mailer",
    "MemoryMailer",
    "Message",
    "OutgoingMail",
    "SmtpMailer",
    "html_to_text",
    "mailer_from_settings",
    "render_template",
    "send_mail",
    "sender_from_settings",
]
