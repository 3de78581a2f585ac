/** Knowledge articles shared by the knowledge tests (docs/agent.md): the contract's worked example first. */

/** The article of the contract's worked example ("Can I return shoes for a refund?"). */
export const SHOES_ARTICLE = {
  title: 'Returning shoes and refunds',
  body:
    'Unworn shoes can be returned within 30 days of purchase for a full refund. Bring the original receipt to any Zebrafoot store. ' +
    'The refund goes back to your original payment method within 5 business days.',
};
