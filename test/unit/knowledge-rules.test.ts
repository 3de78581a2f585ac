/** The embedded responder's pure text rules (docs/agent.md#the-embedded-responder). */
import { describe, expect, it } from 'vitest';
import { containsInsult, isGreeting, linkCount, normalizedText } from '../../src/modules/agent/embedded-rules.js';
import { asAgentDecision, capAtSentence, splitSentences } from '../../src/modules/agent/knowledge-responder.js';
import { INSULTS } from '../../src/modules/agent/insults.js';

describe('greetings', () => {
  it('accepts 1–5 words that split entirely into list entries', () => {
    for (const text of ['Hello!', 'hi hi', 'Good morning!', 'hey, good evening', 'MERHABA', 'selam selam selam selam selam', 'Good  afternoon\n:)']) {
      expect(isGreeting(text), text).toBe(true);
    }
  });
  it('refuses other words, half entries, more than five words and no words', () => {
    for (const text of ['hello there', 'good', 'morning', 'hi hi hi hi hi hi', '', '!!!', 'hello 2', 'good morning good']) {
      expect(isGreeting(text), text).toBe(false);
    }
  });
});

describe('insults', () => {
  it('contains at least the listed words', () => {
    expect(INSULTS).toEqual(expect.arrayContaining(['idiot', 'moron', 'stupid', 'bastard', 'asshole', 'aptal', 'salak', 'gerizekalı', 'şerefsiz']));
  });
  it('matches whole words after Unicode lower-casing, Turkish capitals included', () => {
    for (const text of ['You IDIOT!', 'what a moron.', 'seni ŞEREFSİZ', 'GERİZEKALI misin', 'Salak!!', 'stupid-shop', 'geri zekalı']) {
      expect(containsInsult(text), text).toBe(true);
    }
  });
  it('does not match inside other words or everyday words', () => {
    for (const text of ['idiotic behaviour', 'Stupidity is not a crime', 'Kapital', 'mal iade etmek istiyorum', 'I got a pic of my shoes', 'scunthorpe']) {
      expect(containsInsult(text), text).toBe(false);
    }
  });
});

describe('links', () => {
  it('counts http://, https:// and www. links once each', () => {
    expect(linkCount('see https://www.a.example and http://b.example or www.c.example')).toBe(3);
    expect(linkCount('HTTPS://A.EXAMPLE https://b.example')).toBe(2);
    expect(linkCount('no links here, just example.com')).toBe(0);
  });
});

describe('normalised text', () => {
  it('lower-cases and collapses white space', () => {
    expect(normalizedText('  Buy   NOW\n\tcheap  ')).toBe('buy now cheap');
  });
});

describe('sentences', () => {
  it('splits after . ! ? followed by white space and at line breaks, keeping 9.30 whole', () => {
    expect(splitSentences('We open at 9.30 today. Really?Yes! Call us\nor write.  ')).toEqual([
      'We open at 9.30 today.',
      'Really?Yes!',
      'Call us',
      'or write.',
    ]);
  });
  it('caps at a sentence boundary in code points', () => {
    const sentences = ['a'.repeat(300) + '.', 'ü'.repeat(397) + '.', 'b.'];
    expect(capAtSentence(sentences, 700)).toBe(`${sentences[0]} ${sentences[1]}`);
    expect([...capAtSentence(sentences, 700)].length).toBe(700);
    expect(capAtSentence(sentences, 699)).toBe(sentences[0]);
  });
  it('cuts a single over-long first sentence at a word boundary with an ellipsis', () => {
    const long = `${'word '.repeat(200)}end.`;
    const cut = capAtSentence([long], 700);
    expect([...cut].length).toBeLessThanOrEqual(700);
    expect(cut.endsWith('word…')).toBe(true);
  });
});

describe("the providers' decision shape", () => {
  const base = { spam: false, abusive: false, rule: null, articleId: null } as const;
  it('maps a reply, a handoff and a rule hit', () => {
    expect(asAgentDecision({ ...base, kind: 'reply', text: 'Yes.', reason: 'A greeting.' })).toEqual({
      reply: 'Yes.',
      handoff: false,
      spam: false,
      abusive: false,
      reason: 'A greeting.',
    });
    expect(asAgentDecision({ ...base, kind: 'handoff', text: null, reason: 'None.' })).toEqual({
      reply: '',
      handoff: true,
      spam: false,
      abusive: false,
      reason: 'None.',
    });
    expect(asAgentDecision({ ...base, kind: 'handoff', text: null, spam: true, rule: 'links', reason: 'Three or more links.' })).toEqual({
      reply: '',
      handoff: false,
      spam: true,
      abusive: false,
      reason: 'Three or more links.',
    });
  });
});
