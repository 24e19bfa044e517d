import { loadCatalog } from "../../infra/catalog/load";

// The platform's catalog as the program reads it (infra/catalog/services/*.yaml): tests derive
// counts, names and expectations from it and never restate it.

export const catalog = loadCatalog().services;
