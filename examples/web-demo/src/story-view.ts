// Renders streamed story text as paragraphs: every "\n" in the stream starts a new <p>.

/** Appends streamed text to a container, one <p> per line of the story. */
export class StoryView {
  private current: HTMLParagraphElement | null = null;
  private text = '';

  constructor(private readonly root: HTMLElement) {}

  /** Empties the view and shows `opening` (the prompt) as the start of the first paragraph. */
  reset(opening: string): void {
    this.root.replaceChildren();
    this.current = null;
    this.text = '';
    const lines = opening.split('\n');
    lines.forEach((line, i) => {
      if (i > 0) this.newParagraph();
      const span = document.createElement('span');
      span.className = 'opening';
      span.textContent = line;
      this.paragraph().append(span);
    });
  }

  /** Appends a chunk of generated text; "\n" starts a new paragraph (blank lines collapse). */
  append(chunk: string): void {
    this.text += chunk;
    const parts = chunk.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) this.newParagraph();
      if (part !== '') this.paragraph().append(document.createTextNode(part));
    });
  }

  /** All text appended since the last reset (without the opening). */
  get generated(): string {
    return this.text;
  }

  private paragraph(): HTMLParagraphElement {
    if (!this.current) this.newParagraph();
    return this.current!;
  }

  private newParagraph(): void {
    // Reuse an empty last paragraph so that "\n\n" does not leave blank <p>s.
    if (this.current && this.current.childNodes.length === 0) return;
    this.current = document.createElement('p');
    this.root.append(this.current);
  }
}
