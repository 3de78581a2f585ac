/** Built-in names and lines for demo data (docs/tenancy-and-data.md#demo-data). */
export const FIRST_NAMES = [
  'Ada',
  'Elif',
  'Mehmet',
  'Grace',
  'Alan',
  'Ayşe',
  'Linus',
  'Marie',
  'Kaan',
  'Deniz',
  'Sofia',
  'Noah',
  'Yuki',
  'Omar',
  'Lena',
  'Diego',
];
export const LAST_NAMES = [
  'Lovelace',
  'Demir',
  'Kaya',
  'Hopper',
  'Turing',
  'Yılmaz',
  'Torvalds',
  'Curie',
  'Şahin',
  'Öztürk',
  'Rossi',
  'Smith',
  'Tanaka',
  'Haddad',
  'Müller',
  'García',
];
export const CUSTOMER_LINES = [
  'Hi, where is my order?',
  'Do you have this in size 42?',
  'Is the store open on Sunday?',
  'My package arrived damaged 😕',
  'Can I change my delivery address?',
  'How do I return an item?',
  'Thanks, that helped!',
  'Is there a discount for students?',
];
export const OWNER_LINES = [
  'Thanks for reaching out! Let me check that for you.',
  'Your order ships tomorrow.',
  'Yes, we are open 10:00–18:00 on Sundays.',
  'Sorry about that! A replacement is on its way.',
  'Sure, I have updated the address.',
  'You can return it within 30 days from your account page.',
];

export function sqlTextArray(values: string[]): string {
  return `ARRAY[${values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ')}]::text[]`;
}
