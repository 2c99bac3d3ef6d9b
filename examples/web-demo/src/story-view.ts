// Renders streamed story text as paragraphs: "\n" in the stream ends a paragraph; blank lines make no empty <p>.

/** Appends streamed text to a container, one <p> per non-empty line of the story. */
export class StoryView {
  private current: HTMLParagraphElement | null = null;
  /** A "\n" was seen: the next text starts a new paragraph (created lazily, so none is left empty). */
  private breakPending = false;
  private text = '';

  constructor(private readonly root: HTMLElement) {}

  /** Empties the view and shows `opening` (the prompt, highlighted) as the start of the story. */
  reset(opening: string): void {
    this.root.replaceChildren();
    this.current = null;
    this.breakPending = false;
    this.text = '';
    this.write(opening, true);
  }

  /** Appends a piece of generated text. */
  append(piece: string): void {
    this.text += piece;
    this.write(piece, false);
  }

  /** All text appended since the last reset (without the opening). */
  get generated(): string {
    return this.text;
  }

  private write(piece: string, opening: boolean): void {
    piece.split('\n').forEach((line, i) => {
      if (i > 0) this.breakPending = true;
      if (line === '') return;
      if (this.current === null || this.breakPending) {
        this.current = document.createElement('p');
        this.root.append(this.current);
        this.breakPending = false;
      }
      if (opening) {
        const span = document.createElement('span');
        span.className = 'opening';
        span.textContent = line;
        this.current.append(span);
      } else {
        this.current.append(document.createTextNode(line));
      }
    });
  }
}
