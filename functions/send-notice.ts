// placeholder: replaced by the lead
export const handler = async (_event: unknown): Promise<void> => {};
