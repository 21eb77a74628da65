/** A notice to customers as the privacy team writes it, in English and Italian (the API and the console tests share it). */
export const NOTICE = {
  whatHappened: 'Invoices were emailed to the wrong customers on 8 March.',
  whatData: 'Names, postal addresses and invoice amounts.',
  whatWeDo: 'We stopped the mailing and asked the recipients to delete them.',
  whatYouShouldDo: 'Nothing is needed; be wary of emails asking for payment.',
};

export const AVVISO = {
  whatHappened: "L'8 marzo alcune fatture sono state inviate ai clienti sbagliati.",
  whatData: 'Nomi, indirizzi postali e importi delle fatture.',
  whatWeDo: "Abbiamo fermato l'invio e chiesto ai destinatari di cancellarle.",
  whatYouShouldDo: 'Non deve fare nulla; diffidi delle email che chiedono pagamenti.',
};
