/**
 * Words the generated mail is made of. French text stays inside iso-8859-1 (no "œ", "€" or curly quotes) so
 * it can be sent as latin-1; the utf-8 messages add their own typography.
 */

export const FIRST_NAMES = [
  'Émilie', 'François', 'Hélène', 'Jérôme', 'Cécile', 'Benoît', 'Agnès', 'Grégoire', 'Inès', 'Loïc',
  'Amélie', 'Stéphane', 'Claire', 'Thomas', 'Julien', 'Sophie', 'Mathieu', 'Camille', 'Nicolas', 'Anaïs',
];

export const LAST_NAMES = [
  'Lefèvre', 'Moreau', 'Girard', 'Rousseau', 'Fontaine', 'Chevalier', 'Mercier', 'Dupré', 'Lemaître', 'Bérard',
  'Garnier', 'Faure', 'Perrin', 'Leroy', 'Marchand', 'Duval', 'Benoît', 'Gauthier', 'Masson', 'Roché',
];

export const FR_SUBJECTS = [
  'Déplacement à Lyon : logistique',
  'Compte rendu de la réunion de mardi',
  'Budget communication - arbitrages',
  'Programme : fiche santé à relire',
  'Meeting Marseille - liste des bénévoles',
  'Point presse de jeudi',
  'Relecture du discours de Besançon',
  'Planning des déplacements (semaine 16)',
  'Facture imprimeur - tracts régionaux',
  'Questions des journalistes sur le financement',
  'Réservation salle pour le débat',
  'Note sur les sondages du week-end',
  'Agenda du candidat - modifications',
  'Remboursement des frais de mission',
  'Demande d\'interview - quotidien régional',
];

export const EN_SUBJECTS = [
  'Weekly digest: European policy briefings',
  'Call for volunteers - canvassing weekend',
  'Minutes of the steering committee',
  'Reminder: press accreditation deadline',
  'Newsletter: what changed this week',
];

export const NEWSLETTER_SUBJECTS = [
  'La Lettre - cette semaine sur le terrain',
  'La Lettre - les rendez-vous de la semaine',
  'La Lettre - merci pour votre mobilisation',
  'La Lettre - le programme en dix mesures',
];

export const FR_SENTENCES = [
  'Je vous transmets ci-dessous les éléments demandés lors de notre échange de ce matin.',
  'Merci de bien vouloir confirmer votre présence avant vendredi midi.',
  'La préfecture a validé le parcours, mais demande un dispositif de sécurité renforcé.',
  'Nous avons reçu trois devis ; le moins cher reste celui de l\'imprimeur de Rennes.',
  'Le candidat souhaite une version plus courte, centrée sur l\'éducation et la santé.',
  'Les équipes locales signalent une forte affluence prévue à l\'entrée du hall.',
  'Pouvez-vous vérifier les chiffres du chômage cités page deux ?',
  'Il faudrait prévenir la presse régionale au plus tard mercredi soir.',
  'La salle peut accueillir huit cents personnes assises, davantage debout.',
  'Je reste joignable sur mon portable toute la journée si besoin.',
  'Le service juridique a relu le texte et propose deux corrections mineures.',
  'À noter : le train de retour part à 18 h 52, voiture 14.',
  'Les bénévoles du comité de Lille ont déjà distribué près de cinq mille tracts.',
  'On garde la même trame que pour le déplacement à Pau, avec un temps d\'échange plus long.',
  'Ce serait bien d\'avoir un retour des référents départementaux d\'ici lundi.',
  'Le prestataire vidéo demande l\'accès à la salle dès sept heures.',
  'J\'ai mis en copie l\'équipe presse pour qu\'elle prépare les éléments de langage.',
  'La réunion est déplacée au troisième étage, salle « Jean Monnet ».',
];

export const EN_SENTENCES = [
  'Please find below the summary of this week\'s discussions.',
  'Volunteers are asked to register on the shared sheet before Thursday.',
  'The committee agreed to publish the full minutes next Monday.',
  'Accreditation requests received after the deadline cannot be processed.',
  'Several members asked for the slides; they are attached to the archive page.',
  'The next session will focus on digital campaigning and data protection.',
  'Thanks to everyone who joined the call on short notice.',
];

/**
 * Lines that begin with "From " once wrapped: a body that carries them must be quoted in an mbox
 * (">From "), and a reader that fails to unquote them breaks the body hash.
 */
export const FROM_LINES = [
  'From the minutes of the last meeting, three points remain open.',
  'From now on, the shared drive is the reference for all drafts.',
  'From Monday, the office opens at 8:30.',
];

export const FR_GREETINGS = ['Bonjour,', 'Bonjour à tous,', 'Bonsoir,'];
export const FR_CLOSINGS = ['Bien à vous,', 'Cordialement,', 'Amitiés,', 'Merci d\'avance,', 'Bonne soirée,'];
export const EN_GREETINGS = ['Hello all,', 'Dear members,', 'Hi everyone,'];
export const EN_CLOSINGS = ['Best regards,', 'Kind regards,', 'Thanks,'];

export const CITIES = ['Lyon', 'Marseille', 'Lille', 'Besançon', 'Rennes', 'Pau', 'Nantes', 'Strasbourg', 'Dijon', 'Angers'];

export const ATTACHMENT_NAMES = {
  pdf: ['Compte-rendu réunion.pdf', 'Devis_imprimeur.pdf', 'Note_sondages.pdf', 'Programme-santé-v3.pdf', 'Facture_2017-04.pdf'],
  docx: ['Discours Besançon v2.docx', 'Éléments de langage.docx', 'Fiche logistique.docx', 'Revue de presse.docx'],
};
