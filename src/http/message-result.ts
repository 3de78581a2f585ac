/** A delete's answer (api-directory.md §1.4): the success sentence, repeated as the MessageResult in `data`. */
export function messageResult(sentence: string): { success: string; data: { message: string } } {
  return { success: sentence, data: { message: sentence } };
}
