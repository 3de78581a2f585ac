/**
 * Generated knowledge articles and questions for bench:agent: deterministic (article n is always the same text), English
 * words: a quarter are shop words (the common ones in many articles), the rest a long tail of names in few articles.
 */

const TOPIC_WORDS = (
  'order delivery shipping return refund exchange size colour color shoe boot sandal sneaker heel lace sole insole leather suede canvas ' +
  'payment card invoice receipt voucher coupon discount sale price tax store branch opening hours weekend holiday warranty repair ' +
  'damage defect stain cleaning care waterproof spray polish box package parcel courier tracking address customs account password ' +
  'login email newsletter subscription membership points loyalty gift wrapping stock restock preorder backorder cancel change ' +
  'measure width length fit comfort wide narrow children kids women men running walking hiking winter summer rain snow ' +
  'material rubber cotton wool vegan sustainable recycle donation charity student military senior birthday anniversary ' +
  'appointment fitting orthopedic arch support heel pain blister stretch break odour smell colourfast fade zipper buckle strap velcro'
).split(/\s+/);

/** A long tail of product and place names (made of syllables): most of an article's words are specific to few articles. */
const SYLLABLES = 'ka lo mi ren tas vo zu bri del fen gor hul jin kem lur nax pol quo sar tiv ulm wex yor'.split(' ');
const NAMES = Array.from({ length: 2400 }, (_, n) => {
  const s = SYLLABLES.length;
  return `${SYLLABLES[n % s]}${SYLLABLES[Math.floor(n / s) % s]}${SYLLABLES[Math.floor(n / (s * s)) % s]}`;
});

const FILLER = 'the a our your we you can will is are be for with within of to in on at by from any every all each'.split(' ');
const VERBS = 'can be returned exchanged shipped delivered repaired cleaned ordered cancelled refunded measured tracked stored replaced checked'.split(' ');
/** Words of no article: questions made of them find nothing and hand off. */
const ELSEWHERE = 'umbrella telescope violin mortgage volcano saxophone astronomy lasagna parliament tornado'.split(' ');

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** One word in four is a shop word (the first ones the most frequent), the others names of the long tail. */
const topicWord = (next: () => number) =>
  next() < 0.25 ? TOPIC_WORDS[Math.floor(TOPIC_WORDS.length * next() ** 1.2)]! : NAMES[Math.floor(NAMES.length * next())]!;
const pick = <T>(list: readonly T[], next: () => number) => list[Math.floor(list.length * next())]!;

function sentence(next: () => number): string {
  const words: string[] = [];
  const length = 8 + Math.floor(next() * 9);
  for (let index = 0; index < length; index++) words.push(index % 3 === 1 ? pick(FILLER, next) : index % 5 === 2 ? pick(VERBS, next) : topicWord(next));
  const text = words.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}${next() < 0.1 ? '?' : '.'}`;
}

export function articleText(n: number): { title: string; body: string } {
  const next = random(n * 7919 + 17);
  const titleWords = Array.from({ length: 3 + Math.floor(next() * 4) }, () => topicWord(next));
  const title = `${titleWords[0]![0]!.toUpperCase()}${titleWords.join(' ').slice(1)} (${n})`;
  const body = Array.from({ length: 4 + Math.floor(next() * 7) }, () => sentence(next)).join(next() < 0.3 ? '\n' : ' ');
  return { title, body };
}

/** Four in five questions take three words of a random article; the others are about nothing in the base. */
export function questionFor(n: number, articles: number): string {
  const next = random(n * 104_729 + 3);
  if (next() < 0.2) return `Do you know anything about a ${pick(ELSEWHERE, next)} or a ${pick(ELSEWHERE, next)}?`;
  const article = articleText(Math.floor(next() * articles));
  const words = `${article.title} ${article.body}`.toLowerCase().match(/[a-z]+/g) ?? [];
  const content = words.filter((word) => TOPIC_WORDS.includes(word) || NAMES.includes(word));
  const chosen = Array.from({ length: 3 }, () => pick(content, next));
  return `Hello, can I ask about the ${chosen[0]} and ${chosen[1]} for my ${chosen[2]}?`;
}
