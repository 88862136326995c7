"""More French words for the search benchmark's corpus (common nouns, adjectives and verbs),
so that with their inflected forms the vocabulary holds a few thousand forms."""

MORE_WORDS = """
abri accès achat acteur action activité adresse affiche âge agence aide aire aliment ami
animal année annonce appareil appel argent arbre argile assemblage atout aube avenir avis
bac bague balade banc bande bâtiment batterie besoin bien bilan billet blanc bleu boîte bol
bord bouchon boucle bouteille branche bras bruit budget cabane cadre caisse calcul caméra
canal capacité caractère carnet carré carrière catalogue cause cave centre cercle chaîne
chaise chambre champ chance changement chanson chapeau charge chat chaud chef chemin cheminée
cheval choix chose ciel cire clé client clou club coffre coin colis colle collection
colline commande commerce communauté compagnie comptoir concours conseil contact contenu
contrat corde corps costume côté couche couleur coupe cour courant courrier cours course
couteau couvercle crayon création croquis cuivre culture cycle danger date découverte
degré demande dépôt désir détail dispositif distance document domaine don dossier douche
droit durée écran effet effort élan élève emballage énigme ensemble entrée envie épaisseur
équilibre escalier espace espoir esprit essai étage étagère étape état été étoile étude
étudiant exemple expérience expert façade face facture faim famille farine fenêtre fer
ferme feuille fibre fiche figure fin flamme fleur fonction fond force forme four fourneau
fournisseur frais frein fromage fruit fumée gamme garage gare gâteau geste goût graine
grain grange groupe guide habitude habitant hameau hauteur herbe histoire hiver homme idée
image impact impression info instrument intérêt inventaire jambe jardinage jeunesse joie
joueur jour journal lampe langue lien lieu ligne limite liste litre livraison logement loi
lumière lune machine-outil magazine main maison maître malle manche manuel marche marque
matériau matériel matière mémoire mer mesure méthode meule mine minute miroir mission mode
modèle moment monde montagne montant morceau mot moteur moulin mouvement moyen mur nature
neige niveau noeud nom nombre note nourriture nuit objectif occasion odeur oeuvre offre
oiseau ombre opération or ordre oreille organisation outillage page paille pain panier
panneau papier-peint parc part partenaire passage passion patrimoine pays paysage peau
pente pensée personne perle pierre piste place plage plaisir planche plante plateau
plâtre pluie poche poids point poisson pompe pont porte portail position pot poutre
pouvoir pratique présence presse pression preuve principe printemps prise problème
processus produit profil programme progrès promenade propriété protection province
public qualité question queue racine raison rang rayon recette règle relation remise
repos réponse reste retour rêve revue rivière rocher roue route rue rythme sable sac
saison salon sang santé-mentale savoir savon scène secret secteur sel sens sentier
service seuil siège signe silence site société sol soleil solution sortie souci source
souvenir stock structure style sucre suite sujet support surface système table tableau
tâche taille talent tapis tasse technique température temps terrain terre tête thème
tiroir titre toile toit tonne tour-de-main trace train trait trajet travail travaux tri
trou tube univers usage usine valeur vallée vent vente verger vêtement victoire vie
vieux vin visite voisin voiture voix vol volume voyage vue zone
ancien beau bon calme chaud clair commun complet court doux droit facile faible fort
frais grand gros haut jeune large léger libre long lourd moderne neuf noir nouveau ouvert
parfait petit plein pratique propre rapide rare riche rond rouge sec simple solide sombre
souple vert vif vide vrai naturel durable partagé collaboratif solidaire accessible
abordable modulaire mobile portable manuel artisanal industriel régional national
acheter aider ajouter allumer améliorer animer apprendre arroser assembler bâtir
bricoler brûler calculer chauffer chercher coller commander composer construire coudre
couper créer cuire décorer démonter dessiner développer donner écouter emprunter
enseigner entretenir essayer fabriquer financer fixer former gagner garder graver
imaginer imprimer installer inventer jouer laver lire louer mesurer monter nettoyer
organiser partager peindre percer planter porter poser prêter produire programmer
proposer protéger ranger recevoir recycler réparer réserver réunir scier souder
tailler tester tisser tourner transformer tricoter trier utiliser vendre visiter
"""
